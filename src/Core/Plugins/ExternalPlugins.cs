using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Forge.Abstractions.Models;
using Forge.Abstractions.Plugins;
using McMaster.NETCore.Plugins;
using Forge.Core.Errors;
using Forge.Core.Files;

namespace Forge.Core.Plugins;

/// <summary>
/// Loads third-party plugin assemblies with McMaster.NETCore.Plugins, each in its own load context that shares
/// Forge.Abstractions, TorchSharp and the Microsoft.Extensions abstractions with the host (so there is one libtorch in
/// the process and the plugin's types are the host's contracts). Before loading, a file is checked: it exists, it
/// matches its pinned SHA-256, it is a .NET assembly, and it was built against the host's major version of
/// Forge.Abstractions. Each assembly is loaded once per process.
/// </summary>
public static class ExternalPlugins
{
    private static readonly ConcurrentDictionary<string, Assembly> Loaded = new(StringComparer.Ordinal);

    /// <summary>The major version of Forge.Abstractions a plugin must be built against.</summary>
    public static Version HostAbstractions => typeof(IModelPlugin).Assembly.GetName().Version!;

    /// <summary>Loads every referenced plugin; what goes wrong is added to <paramref name="problems"/> under the reference's origin.</summary>
    public static IReadOnlyList<Assembly> Load(IEnumerable<PluginReference> references, List<SpecProblem> problems)
    {
        var assemblies = new List<Assembly>();
        foreach (var reference in references)
        foreach (var file in AssemblyFiles(reference, problems))
        {
            var problem = Check(reference, file);
            if (problem is not null)
            {
                problems.Add(new SpecProblem(reference.Origin, problem));
                continue;
            }
            try
            {
                var assembly = Loaded.GetOrAdd(file, LoadAssembly);
                if (!assembly.GetExportedTypes().Any(t => t.GetCustomAttribute<ForgePluginAttribute>(inherit: false) is not null))
                {
                    problems.Add(new SpecProblem(reference.Origin, $"{file} is not a Forge plugin: no public class in it is marked [ForgePlugin(\"name\")]."));
                    continue;
                }
                assemblies.Add(assembly);
            }
            catch (Exception e) when (e is BadImageFormatException or FileLoadException or FileNotFoundException or ReflectionTypeLoadException or TypeLoadException or InvalidOperationException)
            {
                var inner = e is ReflectionTypeLoadException { LoaderExceptions: [{ } first, ..] } ? first! : e;
                problems.Add(new SpecProblem(reference.Origin, $"{file} could not be loaded ({inner.GetType().Name}: {inner.Message}). Rebuild the plugin against this Forge.Abstractions ({HostAbstractions.ToString(3)}) and ship its dependencies beside it."));
            }
        }
        return assemblies;
    }

    /// <summary>The plugin assemblies a reference names: the file itself, or each X.dll with an X.deps.json in a folder.</summary>
    private static IEnumerable<string> AssemblyFiles(PluginReference reference, List<SpecProblem> problems)
    {
        if (File.Exists(reference.Path))
            return new[] { reference.Path };
        if (Directory.Exists(reference.Path))
        {
            var files = Directory.GetFiles(reference.Path, "*.dll").Where(f => File.Exists(Path.ChangeExtension(f, ".deps.json"))).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0)
                problems.Add(new SpecProblem(reference.Origin, $"{reference.Path} holds no plugin assembly (an X.dll beside its X.deps.json, as dotnet build leaves it)."));
            if (reference.Sha256 is not null && files.Count > 1)
                problems.Add(new SpecProblem(reference.Origin, $"a sha256 pins one file, but {reference.Path} holds {files.Count} plugin assemblies; name the .dll itself."));
            return files;
        }
        problems.Add(new SpecProblem(reference.Origin, $"{reference.Path} does not exist. Give the path of a plugin's .dll (or of its build folder); relative paths in a spec are taken from the spec's folder."));
        return Array.Empty<string>();
    }

    /// <summary>Why <paramref name="file"/> must not be loaded, or null.</summary>
    private static string? Check(PluginReference reference, string file)
    {
        if (reference.Sha256 is { } pinned && FileHash.Sha256Of(file) is var actual && !string.Equals(actual, pinned.Trim(), StringComparison.OrdinalIgnoreCase))
            return $"{file} has SHA-256 {actual}, but the spec pins {pinned}; refusing to load a file that changed. Update the sha256 if the new file is trusted.";
        Version? built;
        try
        {
            using var stream = File.OpenRead(file);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata)
                return $"{file} is not a .NET assembly.";
            var metadata = pe.GetMetadataReader();
            built = metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
                .Where(r => metadata.GetString(r.Name) == "Forge.Abstractions").Select(r => r.Version).FirstOrDefault();
        }
        catch (BadImageFormatException)
        {
            return $"{file} is not a .NET assembly.";
        }
        if (built is null)
            return $"{file} is not a Forge plugin: it does not reference Forge.Abstractions.";
        if (built.Major != HostAbstractions.Major)
            return $"{file} was built against Forge.Abstractions {built.ToString(3)}, but this Forge has Forge.Abstractions {HostAbstractions.ToString(3)}; plugins must match its major version ({HostAbstractions.Major}.x). Rebuild the plugin against Forge.Abstractions {HostAbstractions.Major}.x.";
        return null;
    }

    private static Assembly LoadAssembly(string file)
    {
        var loader = PluginLoader.CreateFromAssemblyFile(file,
            sharedTypes: new[] { typeof(IModelPlugin), typeof(TorchSharp.torch), typeof(Microsoft.Extensions.DependencyInjection.ActivatorUtilities), typeof(Microsoft.Extensions.Logging.ILogger) },
            configure: config => config.PreferSharedTypes = true);
        return loader.LoadDefaultAssembly();
    }
}
