using TorchSharp;

namespace Forge.Abstractions.Plugins;

/// <summary>Facts about the run that any plugin may take in its constructor.</summary>
public interface IRunEnvironment
{
    /// <summary>The experiment's seed. Plugins derive their own random streams from it so runs are reproducible.</summary>
    long Seed { get; }

    /// <summary>The device tensors live on.</summary>
    torch.Device Device { get; }

    /// <summary>The folder of the spec file; relative paths in a spec are resolved against it.</summary>
    string SpecDirectory { get; }

    /// <summary>Resolves a path written in the spec: absolute paths are kept, relative ones are taken from <see cref="SpecDirectory"/>.</summary>
    string ResolvePath(string path) => Path.GetFullPath(Path.Combine(SpecDirectory, path));
}
