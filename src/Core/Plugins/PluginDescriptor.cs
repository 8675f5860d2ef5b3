using Forge.Core.Files;
namespace Forge.Core.Plugins;

public sealed record PluginDescriptor(PluginFamily Family, string Name, Type Type, Type? OptionsType, string Description)
{
    /// <summary>The file the plugin was loaded from.</summary>
    public string Source => Type.Assembly.Location;

    /// <summary>The name of the plugin's assembly: the qualifier in <c>&lt;assembly&gt;/&lt;name&gt;</c>.</summary>
    public string AssemblyName => Type.Assembly.GetName().Name ?? "";

    /// <summary>The plugin assembly's informational version (or assembly version).</summary>
    public string Version => AssemblyVersion.Of(Type.Assembly).Split('+')[0];

    /// <summary>SHA-256 (hex) of <see cref="Source"/>, what a spec's <c>plugins[].sha256</c> pins.</summary>
    public string Sha256 => FileHash.Sha256Of(Source);
}
