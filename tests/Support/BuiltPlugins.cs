using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Forge.Tests.Support;

/// <summary>The plugin projects the solution builds beside the tests (samples/ and tests/FaultyPlugin), which the host does not reference.</summary>
public static class BuiltPlugins
{
    /// <summary>Debug or Release: the configuration the tests were built in (the solution builds every project in it).</summary>
    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    public static string Folder(string project, string assembly) =>
        Path.Combine(TestSpecs.RepositoryRoot, project, "bin", Configuration, "net10.0");

    public static string Signum => Path.Combine(Folder("samples/Signum", "Forge.Samples.Signum"), "Forge.Samples.Signum.dll");

    public static string Gpt2InitFolder => Folder("samples/Gpt2Init", "Forge.Samples.Gpt2Init");

    public static string Swa => Path.Combine(Folder("samples/Swa", "Forge.Samples.Swa"), "Forge.Samples.Swa.dll");

    public static string Faulty => Path.Combine(Folder("tests/FaultyPlugin", "Forge.Tests.FaultyPlugin"), "Forge.Tests.FaultyPlugin.dll");

    /// <summary>Copies a plugin (with its deps.json) into <paramref name="folder"/> and returns the copy's path.</summary>
    public static string CopyTo(string dll, string folder)
    {
        Directory.CreateDirectory(folder);
        var target = Path.Combine(folder, Path.GetFileName(dll));
        File.Copy(dll, target, overwrite: true);
        File.Copy(Path.ChangeExtension(dll, ".deps.json"), Path.ChangeExtension(target, ".deps.json"), overwrite: true);
        return target;
    }

    /// <summary>Rewrites the major version of the assembly's reference to Forge.Abstractions, as if built against another major release.</summary>
    public static void SetAbstractionsMajor(string dll, ushort major)
    {
        var bytes = File.ReadAllBytes(dll);
        int offset = -1;
        using (var pe = new PEReader(new MemoryStream(bytes)))
        {
            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.AssemblyReferences)
            {
                if (metadata.GetString(metadata.GetAssemblyReference(handle).Name) != "Forge.Abstractions")
                    continue;
                int row = MetadataTokens.GetRowNumber(handle) - 1;
                offset = pe.PEHeaders.MetadataStartOffset + metadata.GetTableMetadataOffset(TableIndex.AssemblyRef) + row * metadata.GetTableRowSize(TableIndex.AssemblyRef);
            }
        }
        if (offset < 0)
            throw new InvalidOperationException($"{dll} does not reference Forge.Abstractions.");
        BitConverter.TryWriteBytes(bytes.AsSpan(offset, 2), major); // AssemblyRef rows begin with MajorVersion (ECMA-335 II.22.5)
        File.WriteAllBytes(dll, bytes);
    }
}
