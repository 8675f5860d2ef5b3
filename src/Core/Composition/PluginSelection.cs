using Forge.Core.Plugins;

namespace Forge.Core.Composition;

/// <summary>A chosen plugin with its bound options (null when the plugin takes none).</summary>
public sealed record PluginSelection(PluginDescriptor Plugin, object? Options);
