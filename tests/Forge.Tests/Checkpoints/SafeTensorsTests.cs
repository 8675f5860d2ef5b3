using System.Diagnostics;
using Forge.Tests.Support;
using static TorchSharp.torch;
using Forge.Core.Checkpoints;

namespace Forge.Tests.Checkpoints;

public class SafeTensorsTests
{
    [Fact]
    public void Tensors_of_every_dtype_round_trip_exactly_with_the_metadata()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var tensors = new List<(string, Tensor)>
        {
            ("a.weight", randn(3, 5)),
            ("b.bf16", randn(4).to(ScalarType.BFloat16)),
            ("c.f64", randn(2, 2, 2, dtype: ScalarType.Float64)),
            ("d.int", arange(7, dtype: ScalarType.Int64)),
            ("e.scalar", tensor(3.5f)),
        };
        var path = Path.Combine(dir.Path, "t.safetensors");
        using (var stream = File.Create(path))
            SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["format"] = "pt" });

        var (read, metadata) = SafeTensors.Read(path);

        Assert.Equal("pt", metadata["format"]);
        Assert.Equal(tensors.Select(t => t.Item1).Order(), read.Keys.Order());
        foreach (var (name, original) in tensors)
        {
            Assert.Equal(original.dtype, read[name].dtype);
            Assert.Equal(original.shape, read[name].shape);
            Assert.True(original.equal(read[name]).all().item<bool>(), name);
            read[name].Dispose();
        }
        Assert.Equal(0, (new FileInfo(path).Length - 8 - BitConverter.ToInt64(File.ReadAllBytes(path), 0)) % 4); // data after an 8-byte-aligned header
    }

    [Fact]
    public void A_truncated_or_garbage_file_is_refused_with_a_reason()
    {
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using (var stream = File.Create(path))
            SafeTensors.Write(stream, new[] { ("w", randn(64, 64)) });
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var truncated = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        File.WriteAllBytes(path, new byte[] { 1, 2, 3 });
        var tiny = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));
        File.WriteAllBytes(path, BitConverter.GetBytes(5L).Concat("{nope"u8.ToArray()).ToArray());
        var garbage = Assert.Throws<InvalidDataException>(() => SafeTensors.Read(path));

        Assert.Contains("does not fit its shape or the file", truncated.Message);
        Assert.Contains("too short", tiny.Message);
        Assert.Contains("not JSON", garbage.Message);
    }

    /// <summary>The file is readable without Forge: Python's standard library parses the header and the bytes.</summary>
    [Fact]
    public void Python_reads_the_file_with_the_standard_library()
    {
        if (RequiresProgramFactAttribute.Locate("python3") is null)
            return; // no Python on this machine; the format is still checked byte for byte above
        using var dir = new TempDirectory();
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir.Path, "t.safetensors");
        using (var stream = File.Create(path))
            SafeTensors.Write(stream, new[] { ("layer.weight", tensor(new[] { 1.5f, -2.0f, 0.25f, 4.0f }).reshape(2, 2)) });
        var script = "import json,struct,sys\nb=open(sys.argv[1],'rb').read()\nn=struct.unpack('<Q',b[:8])[0]\nh=json.loads(b[8:8+n])\ne=h['layer.weight']\ns,t=e['data_offsets']\nprint(e['dtype'],e['shape'],struct.unpack('<4f',b[8+n+s:8+n+t]))";

        using var python = Process.Start(new ProcessStartInfo("python3", new[] { "-c", script, path }) { RedirectStandardOutput = true })!;
        var printed = python.StandardOutput.ReadToEnd().Trim();
        python.WaitForExit();

        Assert.Equal("F32 [2, 2] (1.5, -2.0, 0.25, 4.0)", printed);
    }
}
