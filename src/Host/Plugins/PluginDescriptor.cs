namespace Forge.Host.Plugins;

/// <summary>A discovered plugin: its family, name, implementing type, options type and where it came from.</summary>
internal sealed record PluginDescriptor(PluginFamily Family, string Name, Type Type, Type? OptionsType, string Description)
{
    /// <summary>The file the plugin was loaded from.</summary>
    public string Source => Type.Assembly.Location;
}
