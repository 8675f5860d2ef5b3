using System.Globalization;

namespace Forge.Sweeps;

/// <summary>The line a sweep prints when a trial ends, whichever launcher ran it: done on the output, failed (with its exit code, error and log) on the error stream.</summary>
public static class TrialReport
{
    public static Task WriteAsync(TextWriter output, TextWriter error, string folder, TrialRecord trial, int finished, int? total) =>
        trial.State == TrialState.Done
            ? output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"[{Count(finished, total)}] {trial.Id} done in {trial.WallSeconds:F1} s ({string.Join(" ", trial.Overrides)}){Rung(trial)}"))
            : error.WriteLineAsync(
                $"[{Count(finished, total)}] {trial.Id} FAILED (exit {trial.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): {trial.Error} — log: {Path.Combine(folder, trial.RunFolder, "log.txt")}");

    private static string Count(int finished, int? total) => total is { } planned
        ? string.Create(CultureInfo.InvariantCulture, $"{finished}/{planned}")
        : finished.ToString(CultureInfo.InvariantCulture);

    /// <summary>Successive halving: the rung the trial finished and its metric there.</summary>
    private static string Rung(TrialRecord trial) => trial.Rung is { } rung
        ? string.Create(CultureInfo.InvariantCulture, $", rung {rung} at {trial.Steps} steps: {(trial.RungMetrics is { Count: > 0 } m && m[^1] is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "no finite metric")}")
        : "";
}
