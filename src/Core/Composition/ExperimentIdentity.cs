using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Abstractions.Callbacks;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>
/// The experiment a resolved spec describes, as one canonical JSON value: its name and seed, the training and init
/// sections and every plugin with all its options as bound (defaults included), callbacks that take part in training
/// among them (<see cref="IObservingCallback"/>s are left out). Two specs are the same experiment when their
/// identities are equal, however their JSON is written (a field at its default or left out, <c>"precision": "fp32"</c>
/// or nothing) and whatever their run settings. This is what <c>resume: auto</c> matches runs by.
/// </summary>
public static class ExperimentIdentity
{
    public static JsonObject Of(ResolvedSpec spec)
    {
        var experiment = spec.Experiment;
        return new JsonObject
        {
            ["name"] = experiment.Name,
            ["seed"] = experiment.Seed,
            ["init"] = JsonSerializer.SerializeToNode(experiment.Init, SpecJson.Options),
            ["training"] = JsonSerializer.SerializeToNode(experiment.Training, SpecJson.Options),
            ["model"] = Plugin(spec.Model),
            ["data"] = Plugin(spec.Data),
            ["optimizer"] = Plugin(spec.Optimizer),
            ["parametrization"] = Plugin(spec.Parametrization),
            ["precision"] = Plugin(spec.Precision),
            ["callbacks"] = new JsonArray(spec.Callbacks.Where(c => !typeof(IObservingCallback).IsAssignableFrom(c.Plugin.Type)).Select(c => (JsonNode)Plugin(c)).ToArray()),
        };
    }

    private static JsonObject Plugin(PluginSelection selection) => new()
    {
        ["plugin"] = $"{selection.Plugin.AssemblyName}/{selection.Plugin.Name}",
        ["options"] = selection.Options is null ? null : JsonSerializer.SerializeToNode(selection.Options, selection.Options.GetType(), SpecJson.Options),
    };
}
