using System.Text.Json.Nodes;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>A spec that passed validation: overrides applied, every plugin found, every section bound.</summary>
/// <param name="SpecPath">Full path of the spec file.</param>
/// <param name="Experiment">What is trained.</param>
/// <param name="Settings">How it runs (the command line may have set some of these directly).</param>
/// <param name="Document">The JSON after overrides, as it is saved in the run folder.</param>
/// <param name="Overrides">The <c>--set</c> arguments, in the order applied.</param>
/// <param name="Callbacks">The <c>callbacks</c> list's plugins, in order.</param>
public sealed record ResolvedSpec(
    string SpecPath,
    ExperimentSpec Experiment,
    RunSettings Settings,
    JsonObject Document,
    IReadOnlyList<string> Overrides,
    PluginSelection Model,
    PluginSelection Data,
    PluginSelection Optimizer,
    PluginSelection Parametrization,
    PluginSelection Precision,
    IReadOnlyList<PluginSelection> Callbacks)
{
    public string SpecDirectory => Path.GetDirectoryName(SpecPath)!;

    /// <summary>Every plugin the spec selects, callbacks last.</summary>
    public IEnumerable<PluginSelection> Plugins => new[] { Model, Data, Optimizer, Parametrization, Precision }.Concat(Callbacks);

    /// <summary>What makes two specs the same experiment (see <see cref="ExperimentIdentity"/>).</summary>
    public JsonObject Identity => ExperimentIdentity.Of(this);
}
