using System.Text.Json.Nodes;
using Forge.Host.Plugins;

namespace Forge.Host.Specs;

/// <summary>A chosen plugin with its bound options (null when the plugin takes none).</summary>
internal sealed record PluginSelection(PluginDescriptor Plugin, object? Options);

/// <summary>A spec that passed validation: overrides applied, every plugin found, every section bound.</summary>
/// <param name="SpecPath">Full path of the spec file.</param>
/// <param name="Spec">The top-level fields.</param>
/// <param name="Document">The JSON after overrides, as it is saved in the run folder.</param>
/// <param name="Overrides">The <c>--set</c> arguments, in the order applied.</param>
internal sealed record ResolvedSpec(
    string SpecPath,
    ExperimentSpec Spec,
    JsonObject Document,
    IReadOnlyList<string> Overrides,
    PluginSelection Model,
    PluginSelection Data,
    PluginSelection Optimizer,
    PluginSelection Parametrization,
    PluginSelection Precision)
{
    public string SpecDirectory => Path.GetDirectoryName(SpecPath)!;
}
