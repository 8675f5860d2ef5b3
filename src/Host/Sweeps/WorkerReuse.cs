using System.Text.Json.Nodes;
using Forge.Host.Plugins;

namespace Forge.Host.Sweeps;

/// <summary>
/// Whether a sweep's trials may share worker processes (<see cref="SweepWorker"/>). Built-in plugins keep no state
/// between runs; a third-party plugin might (statics, native handles), and its assembly cannot be unloaded, so a sweep
/// that loads any (the spec's <c>plugins</c>, <c>--plugins</c>, <c>FORGE_PLUGIN_PATH</c>) runs each trial in a fresh
/// process, as does <c>--fresh-processes</c>.
/// </summary>
internal static class WorkerReuse
{
    public static bool Allowed(SweepState state, bool freshProcessesRequested)
    {
        if (freshProcessesRequested || PluginSearchPath.References().Count > 0)
            return false;
        if (state.Overrides.Concat(state.Trials.SelectMany(t => t.Overrides)).Any(o => o.StartsWith("plugins", StringComparison.Ordinal)))
            return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(state.SpecPath), documentOptions: Specs.SpecJson.DocumentOptions) is not JsonObject spec
                || spec["plugins"] is not JsonArray { Count: > 0 };
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or UnauthorizedAccessException)
        {
            return false; // the trials will report the spec's problem; a fresh process each is the cautious choice
        }
    }
}
