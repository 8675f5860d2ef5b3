using System.Text.Json;

namespace Forge.Sweeps;

/// <summary>
/// One trial to run: what <c>forge run</c> would get. Its run settings are set directly: <see cref="Threads"/>, and a
/// free Prometheus port (parallel trials cannot share one: each takes its own and announces it in
/// runs/prometheus-targets).
/// </summary>
/// <param name="SpecPath">The sweep's spec.</param>
/// <param name="RunFolder">The trial's run folder, <c>trials/ID</c> in the sweep folder.</param>
/// <param name="RunsRoot">The runs root the sweep folder (<c>runs/NAME/sweep-TIME</c>) lives in.</param>
/// <param name="Overrides">The sweep's overrides, then the trial's.</param>
/// <param name="Threads">The trial's share of the CPU threads.</param>
public sealed record TrialRequest(string SpecPath, string RunFolder, string RunsRoot, IReadOnlyList<string> Overrides, int Threads)
{
    /// <summary>Trial <paramref name="trial"/> of the sweep in <paramref name="folder"/>, with <paramref name="threads"/> threads.</summary>
    public static TrialRequest For(string folder, SweepState state, TrialRecord trial, int threads) => new(
        state.SpecPath,
        Path.Combine(folder, trial.RunFolder),
        SweepState.RunsRootOf(folder),
        trial.Steps is { } steps ? state.Overrides.Concat(trial.Overrides).Append("stopAfter=" + steps.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList() : state.Overrides.Concat(trial.Overrides).ToList(),
        threads);
}

/// <summary>How a trial ended: the exit code <c>forge run</c> would have had, and what went wrong (null when it completed).</summary>
public sealed record TrialOutcome(int ExitCode, string? LastError)
{
    /// <summary>The message of an output line that reports an error (<c>error: ...</c>), otherwise null.</summary>
    public static string? ErrorIn(string line) => line.StartsWith("error:", StringComparison.Ordinal) ? line["error:".Length..].Trim() : null;
}

/// <summary>
/// The line protocol between <see cref="SweepRunner"/> and <c>forge sweep worker</c>: one JSON
/// <see cref="TrialRequest"/> per line on the worker's standard input; on its standard output the trial's own output
/// lines (the runner reads progress from them) and then one <see cref="EndMarker"/> line with the
/// <see cref="TrialOutcome"/>.
/// </summary>
public static class WorkerProtocol
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
