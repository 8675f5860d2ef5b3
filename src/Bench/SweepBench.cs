using System.Globalization;
using System.Text;

namespace Forge.Bench;

/// <summary>What <c>forge bench --sweeps</c> measured: the same sweep run with a fresh process per trial and with reused workers.</summary>
public sealed record SweepBenchReport(string Machine, int Cores, DateTimeOffset When, bool Quick, int StepsPerTrial, IReadOnlyList<SweepFigures> Sweeps);

/// <summary>
/// <c>forge bench --sweeps</c>: sweep efficiency (training time over the worker slots' wall time) for trials of
/// about ten seconds of training or more, the length the target of 90 % is stated for: 8 trials of 800 steps of
/// <c>gpt</c> width 64, one worker per core, with a fresh process per trial and then with reused workers, in one run.
/// </summary>
public static class SweepBench
{
    public const int Trials = 8, Steps = 800;

    public static async Task<SweepBenchReport> RunAsync(string dataPath, bool smoke, TextWriter log)
    {
        int trials = smoke ? 2 : Trials, steps = smoke ? 5 : Steps, parallel = Math.Max(1, Environment.ProcessorCount);
        var sweeps = new List<SweepFigures>();
        foreach (bool fresh in new[] { true, false })
            sweeps.Add(await SweepFigures.MeasureAsync(dataPath, trials, steps, parallel, fresh, log));
        return new SweepBenchReport(Environment.MachineName, Environment.ProcessorCount, DateTimeOffset.UtcNow, smoke, steps, sweeps);
    }

    public static (string Json, string Markdown) Write(SweepBenchReport report, string folder)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {report.When:yyyy-MM-dd} on {report.Machine} ({report.Cores} cores){(report.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}: trials of {report.StepsPerTrial} steps of gpt width 64.");
        md.AppendLine();
        md.AppendLine("| workers | trials | parallel | sweep wall s | training s (sum) | training s per trial | useful time | start-up s per trial |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in report.Sweeps)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {(s.ReusedWorkers ? "reused" : "fresh process per trial")} | {s.Trials} | {s.Parallel} | {s.WallSeconds:F1} | {s.TrainingSeconds:F1} | {s.TrainingSeconds / s.Trials:F1} | {s.Efficiency * 100:F1} % | {s.StartupSeconds:F2} |");
        return BenchFiles.Write(report, folder, "bench-sweeps-", report.When, report.Quick, md.ToString());
    }
}
