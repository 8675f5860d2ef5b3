using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Forge.Core.Checkpoints;

/// <summary>
/// The safetensors format (huggingface/safetensors), so checkpoints open in Python with <c>safetensors.torch.load_file</c>:
/// an 8-byte little-endian header length, a JSON header mapping each name to its dtype, shape and byte range (plus an
/// optional <c>__metadata__</c> map of strings), then the tensors' bytes, row-major and little-endian. No package for
/// it restores here, and the format is small and fully specified, so Forge writes and reads it itself.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<ScalarType, string> Names = new()
    {
        [ScalarType.Float64] = "F64", [ScalarType.Float32] = "F32", [ScalarType.Float16] = "F16", [ScalarType.BFloat16] = "BF16",
        [ScalarType.Int64] = "I64", [ScalarType.Int32] = "I32", [ScalarType.Int16] = "I16", [ScalarType.Int8] = "I8",
        [ScalarType.Byte] = "U8", [ScalarType.Bool] = "BOOL",
    };

    private static readonly Dictionary<string, ScalarType> Types = Names.ToDictionary(p => p.Value, p => p.Key);

    /// <summary>Writes <paramref name="tensors"/> (in order) to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header[MetadataKey] = new JsonObject(metadata.Select(p => new KeyValuePair<string, JsonNode?>(p.Key, p.Value)));
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (!Names.TryGetValue(tensor.dtype, out var dtype))
                throw new NotSupportedException($"safetensors has no encoding for {tensor.dtype} (tensor {name}).");
            using var cpu = tensor.detach().cpu().contiguous();
            var bytes = cpu.bytes.ToArray();
            if (!BitConverter.IsLittleEndian)
                throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(cpu.shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["data_offsets"] = new JsonArray(JsonValue.Create(offset), JsonValue.Create(offset + bytes.Length)),
            };
            blobs.Add(bytes);
            offset += bytes.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8; // the reference writer aligns the data to 8 bytes with spaces
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded);
        stream.Write(prefix);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++)
            stream.WriteByte((byte)' ');
        foreach (var blob in blobs)
            stream.Write(blob);
    }

    /// <summary>Reads every tensor (on the CPU) and the metadata; a malformed file is an <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Parses a file already read into <paramref name="bytes"/>; <paramref name="path"/> names it in messages.</summary>
    public static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(byte[] bytes, string path)
    {
        if (bytes.Length < 8)
            throw new InvalidDataException($"{path} is {bytes.Length} bytes long, too short for a safetensors header.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > bytes.Length)
            throw new InvalidDataException($"{path} declares a {headerLength}-byte header but holds {bytes.Length} bytes: it is truncated or not a safetensors file.");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject() ?? throw new InvalidDataException($"{path} has an empty header.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} has a header that is not JSON ({e.Message}).");
        }
        long dataStart = 8 + (long)headerLength;
        var tensors = new Dictionary<string, Tensor>();
        var metadata = new Dictionary<string, string>();
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == MetadataKey)
                {
                    foreach (var (key, value) in node!.AsObject())
                        metadata[key] = value!.GetValue<string>();
                    continue;
                }
                var entry = node!.AsObject();
                var dtypeName = entry["dtype"]!.GetValue<string>();
                if (!Types.TryGetValue(dtypeName, out var dtype))
                    throw new InvalidDataException($"{path}: tensor {name} has dtype {dtypeName}, which Forge does not read.");
                var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = entry["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var tensor = empty(shape, dtype);
                long expected = tensor.numel() * tensor.ElementSize;
                if (offsets.Length != 2 || offsets[1] - offsets[0] != expected || offsets[0] < 0 || dataStart + offsets[1] > bytes.Length)
                {
                    tensor.Dispose();
                    throw new InvalidDataException($"{path}: tensor {name} ({dtypeName} {string.Join("x", shape)}) has byte range [{string.Join(", ", offsets)}], which does not fit its shape or the file.");
                }
                tensor.bytes = bytes.AsSpan((int)(dataStart + offsets[0]), (int)expected);
                tensors[name] = tensor;
            }
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or KeyNotFoundException)
        {
            foreach (var t in tensors.Values)
                t.Dispose();
            throw new InvalidDataException($"{path} has a malformed header entry ({e.Message}).");
        }
        catch
        {
            foreach (var t in tensors.Values)
                t.Dispose();
            throw;
        }
        return (tensors, metadata);
    }
}
