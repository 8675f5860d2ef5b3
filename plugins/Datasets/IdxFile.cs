using System.Buffers.Binary;
using System.IO.Compression;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>
/// An IDX file of unsigned bytes (the format of MNIST and Fashion-MNIST; LeCun et al.): a big-endian header
/// <c>0x00 0x00 0x08 D</c> (type 0x08 = unsigned byte, D dimensions), D big-endian int32 sizes, then the values in
/// row-major order. Image files have D = 3 (count, rows, columns; magic 2051), label files D = 1 (count; magic 2049).
/// A file that starts with gzip's magic bytes is decompressed as it is read.
/// </summary>
public sealed record IdxFile(IReadOnlyList<int> Dimensions, byte[] Values)
{
    /// <summary>The magic number of an image file (unsigned bytes, three dimensions).</summary>
    public const int ImagesMagic = 0x0803;

    /// <summary>The magic number of a label file (unsigned bytes, one dimension).</summary>
    public const int LabelsMagic = 0x0801;

    /// <summary>Reads <paramref name="path"/>, which must hold <paramref name="dimensions"/> dimensions of unsigned bytes; <paramref name="field"/> names the option for errors.</summary>
    /// <exception cref="PluginException">The file is missing, not IDX, of another shape, or shorter than its header says.</exception>
    public static IdxFile Read(string path, int dimensions, string field)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
            if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new PluginException($"{field}: cannot read the IDX file '{path}' ({e.Message}).", e);
        }
        int expectedMagic = 0x0800 | dimensions;
        if (bytes.Length < 4 + 4 * dimensions)
            throw new PluginException($"{field}: '{path}' has {bytes.Length} bytes, fewer than an IDX header of {dimensions} dimension(s); it is not an IDX file or it is truncated.");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expectedMagic)
            throw new PluginException($"{field}: '{path}' starts with the magic number {magic} (0x{magic:x8}), not {expectedMagic} (0x{expectedMagic:x8}, unsigned bytes in {dimensions} dimension(s)): " +
                (dimensions == 3 ? $"it is not an IDX image file (a label file has {LabelsMagic})." : $"it is not an IDX label file (an image file has {ImagesMagic})."));
        var sizes = Enumerable.Range(0, dimensions).Select(d => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d))).ToArray();
        if (sizes.Any(s => s <= 0))
            throw new PluginException($"{field}: '{path}' declares the sizes [{string.Join(", ", sizes)}]; every size must be positive.");
        long values = sizes.Aggregate(1L, (a, s) => a * s);
        int header = 4 + 4 * dimensions;
        if (bytes.Length - header < values)
            throw new PluginException($"{field}: '{path}' is truncated: its header declares [{string.Join(", ", sizes)}] = {values:N0} values, but only {bytes.Length - header:N0} bytes follow. Download or decompress it again.");
        return new IdxFile(sizes, bytes[header..(int)(header + values)]);
    }

    /// <summary>Writes <paramref name="values"/> as an IDX file of unsigned bytes with <paramref name="dimensions"/>, gzipped when <paramref name="gzip"/> (for tests and tools).</summary>
    public static void Write(string path, IReadOnlyList<int> dimensions, ReadOnlySpan<byte> values, bool gzip = false)
    {
        var header = new byte[4 + 4 * dimensions.Count];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x0800 | dimensions.Count);
        for (int d = 0; d < dimensions.Count; d++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dimensions[d]);
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        stream.Write(header);
        stream.Write(values);
    }
}
