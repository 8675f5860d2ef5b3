namespace Forge.Core.Telemetry;

/// <summary>
/// Who a run is, as metric labels and OpenTelemetry resource attributes: its id (the run folder's name), its
/// experiment, and for sweep workers the sweep and trial.
/// </summary>
public sealed record RunIdentity(string RunId, string Experiment, string? Sweep = null, string? Trial = null)
{
    /// <summary>A run outside any run folder (tests, coordinate checks).</summary>
    public static RunIdentity Detached(string experiment) => new("detached", experiment);

    /// <summary>The identity of the run in <paramref name="folder"/>: a sweep trial when it sits in <c>sweep-*/trials/</c>.</summary>
    public static RunIdentity FromFolder(string folder, string experiment)
    {
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        var name = Path.GetFileName(full);
        var parent = Path.GetDirectoryName(full);
        if (parent is not null && Path.GetFileName(parent) == "trials" && Path.GetDirectoryName(parent) is { } sweep)
            return new RunIdentity($"{Path.GetFileName(sweep)}/{name}", experiment, Path.GetFileName(sweep), name);
        return new RunIdentity(name, experiment);
    }

    /// <summary>The labels every measurement carries.</summary>
    public IEnumerable<KeyValuePair<string, object?>> Tags
    {
        get
        {
            yield return new("run_id", RunId);
            yield return new("experiment", Experiment);
            if (Sweep is not null)
                yield return new("sweep", Sweep);
            if (Trial is not null)
                yield return new("trial", Trial);
        }
    }
}
