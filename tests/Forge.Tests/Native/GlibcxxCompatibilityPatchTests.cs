using System.Runtime.Versioning;
using System.Text;
using Forge.Tests.Support;
using Forge.Core.Native;

namespace Forge.Tests.Native;

[SupportedOSPlatform("linux")] // the patch is for Linux ELF libraries; so is every machine Forge's CI runs on
public class GlibcxxCompatibilityPatchTests
{
    private static readonly byte[] OffendingName = Encoding.ASCII.GetBytes(GlibcxxCompatibilityPatch.OffendingSymbol + "\0");

    /// <summary>The unpatched wrapper as the TorchSharp package ships it (GCC 13 build, needs GLIBCXX_3.4.32).</summary>
    private static byte[] OriginalWrapper()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"The TorchSharp package's wrapper should be in the NuGet cache after restore: {path}");
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Patching_the_shipped_wrapper_removes_its_only_GLIBCXX_3_4_32_symbol()
    {
        var original = OriginalWrapper();
        Assert.True(IndexOf(original, OffendingName) >= 0, "the shipped wrapper should reference std::ios_base_library_init");
        var image = (byte[])original.Clone();

        Assert.Equal(PatchOutcome.Patched, GlibcxxCompatibilityPatch.Apply(image));

        Assert.Equal(original.Length, image.Length);
        Assert.Equal(-1, IndexOf(image, OffendingName));
        int changed = original.Zip(image).Count(p => p.First != p.Second);
        // The name (28 bytes at most), one 2-byte versym entry and one vna_flags bit: a handful of bytes, nothing else.
        Assert.InRange(changed, 3, 32);
    }

    [Fact]
    public void Patching_is_idempotent()
    {
        var image = OriginalWrapper();
        GlibcxxCompatibilityPatch.Apply(image);
        var once = (byte[])image.Clone();

        Assert.Equal(PatchOutcome.NothingToDo, GlibcxxCompatibilityPatch.Apply(image));
        Assert.Equal(once, image);
    }

    [Fact]
    public void A_library_that_never_needed_the_version_is_left_byte_identical()
    {
        // libc10.so (from the libtorch package) only needs GLIBCXX_3.4.22-era symbols.
        var path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libc10.so");
        Assert.True(File.Exists(path), $"libtorch's libc10.so should be next to the tests: {path}");
        var original = File.ReadAllBytes(path);
        var image = (byte[])original.Clone();

        Assert.Equal(PatchOutcome.NothingToDo, GlibcxxCompatibilityPatch.Apply(image));
        Assert.Equal(original, image);
    }

    [Fact]
    public void Patching_a_file_replaces_it_atomically_and_keeps_its_mode()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "libLibTorchSharp.so");
        File.WriteAllBytes(path, OriginalWrapper());
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(PatchOutcome.Patched, GlibcxxCompatibilityPatch.ApplyToFile(path));
        Assert.Equal(PatchOutcome.NothingToDo, GlibcxxCompatibilityPatch.ApplyToFile(path));

        Assert.Equal(-1, IndexOf(File.ReadAllBytes(path), OffendingName));
        Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_file_that_is_not_ELF64_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => GlibcxxCompatibilityPatch.Apply(Encoding.ASCII.GetBytes("#!/bin/sh\necho not a library\n" + new string(' ', 64))));
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
