using System.Globalization;

namespace Forge.Sweeps;

/// <summary>The line a sweep prints when a trial ends, whichever launcher ran it: done on the output, failed (with its exit code, error and log) on the error stream.</summary>
public static class TrialReport
{
    public static Task WriteAsync(TextWriter output, TextWriter error, string folder, TrialRecord trial, int finished, int total) =>
        trial.State == TrialState.Done
            ? output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"[{finished}/{total}] {trial.Id} done in {trial.WallSeconds:F1} s ({string.Join(" ", trial.Overrides)})"))
            : error.WriteLineAsync(
                $"[{finished}/{total}] {trial.Id} FAILED (exit {trial.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}): {trial.Error} — log: {Path.Combine(folder, trial.RunFolder, "log.txt")}");
}
