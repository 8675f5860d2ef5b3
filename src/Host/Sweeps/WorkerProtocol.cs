using System.Text.Json;

namespace Forge.Host.Sweeps;

/// <summary>One trial to run: the arguments <c>forge run</c> would get.</summary>
internal sealed record TrialRequest(string SpecPath, string RunFolder, string RunsRoot, IReadOnlyList<string> Overrides)
{
    /// <summary>
    /// Trial <paramref name="trial"/> of the sweep in <paramref name="folder"/>: the sweep's and the trial's overrides,
    /// the trial's thread share, and a free Prometheus port (parallel trials cannot share one: each takes its own and
    /// announces it in runs/prometheus-targets); its run folder is <c>trials/ID</c> and its runs root the one the sweep
    /// folder (<c>runs/NAME/sweep-TIME</c>) lives in.
    /// </summary>
    public static TrialRequest For(string folder, SweepState state, TrialRecord trial, int threads) => new(
        state.SpecPath,
        Path.Combine(folder, trial.RunFolder),
        SweepState.RunsRootOf(folder),
        state.Overrides.Concat(trial.Overrides).Append($"threads={threads}").Append("metrics.prometheus.port=0").ToList());
}

/// <summary>How a trial in a reused worker ended: <c>forge run</c>'s exit code and its last <c>error:</c> line.</summary>
internal sealed record TrialOutcome(int ExitCode, string? LastError)
{
    /// <summary>The message of a <c>forge run</c> output line that reports an error (<c>error: ...</c>), otherwise null.</summary>
    public static string? ErrorIn(string line) => line.StartsWith("error:", StringComparison.Ordinal) ? line["error:".Length..].Trim() : null;
}

/// <summary>
/// The line protocol between <see cref="SweepRunner"/> and <c>forge sweep worker</c>: one JSON
/// <see cref="TrialRequest"/> per line on the worker's standard input; on its standard output the trial's own output
/// lines (the runner reads progress from them) and then one <see cref="EndMarker"/> line with the
/// <see cref="TrialOutcome"/>.
/// </summary>
internal static class WorkerProtocol
{
    public const string EndMarker = "##forge-trial-end## ";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Request(TrialRequest request) => JsonSerializer.Serialize(request, Json);

    public static TrialRequest ReadRequest(string line) =>
        JsonSerializer.Deserialize<TrialRequest>(line, Json) ?? throw new InvalidDataException($"not a trial request: {line}");

    public static string End(TrialOutcome outcome) => EndMarker + JsonSerializer.Serialize(outcome, Json);

    /// <summary>The outcome when <paramref name="line"/> is the end marker, otherwise null.</summary>
    public static TrialOutcome? ReadEnd(string line) =>
        line.StartsWith(EndMarker, StringComparison.Ordinal) ? JsonSerializer.Deserialize<TrialOutcome>(line[EndMarker.Length..], Json) : null;
}
