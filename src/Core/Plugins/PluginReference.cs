namespace Forge.Core.Plugins;

/// <summary>
/// A third-party plugin the user named: a plugin's main assembly (<c>.dll</c>), or a folder whose plugin assemblies
/// (each <c>X.dll</c> with its <c>X.deps.json</c>, as <c>dotnet build</c> leaves them) are all loaded.
/// </summary>
/// <param name="Path">Absolute path of the file or folder.</param>
/// <param name="Sha256">When given, the exact SHA-256 (hex) the assembly file must have.</param>
/// <param name="Origin">Where it was named, for messages: <c>plugins[0]</c>, <c>--plugins</c> or <c>FORGE_PLUGIN_PATH</c>.</param>
public sealed record PluginReference(string Path, string? Sha256, string Origin);
