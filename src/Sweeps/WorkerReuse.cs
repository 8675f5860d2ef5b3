using Forge.Core.Composition;
using Forge.Core.Plugins;

namespace Forge.Sweeps;

/// <summary>
/// Whether a sweep's trials may share worker processes (<see cref="SweepWorker"/>). Built-in plugins keep no state
/// between runs; a third-party plugin might (statics, native handles), and its assembly cannot be unloaded, so a sweep
/// that loads any (the spec's <c>plugins</c>, <c>--plugins</c>, <c>FORGE_PLUGIN_PATH</c>, or a swept <c>plugins</c>
/// path) runs each trial in a fresh process, as does <c>--fresh-processes</c>.
/// </summary>
public static class WorkerReuse
{
    /// <param name="spec">The sweep's spec, resolved with the sweep's command-line overrides.</param>
    /// <param name="freshProcessesRequested"><c>--fresh-processes</c>.</param>
    public static bool Allowed(ResolvedSpec spec, bool freshProcessesRequested) =>
        !freshProcessesRequested
        && PluginSearchPath.References().Count == 0
        && spec.Settings.Plugins is not { Count: > 0 }
        && spec.Settings.Sweep?.Parameters.Keys.Any(path => path.StartsWith("plugins", StringComparison.Ordinal)) != true;
}
