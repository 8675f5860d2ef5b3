using System.Globalization;
using System.Text;
using System.Text.Json;
using Forge.Core.Specs;

namespace Forge.Bench;

/// <summary>Writes a <see cref="BenchReport"/> as <c>bench-&lt;time&gt;.json</c> and the Markdown tables in <c>bench-&lt;time&gt;.md</c>.</summary>
public static class BenchReportWriter
{
    public static (string Json, string Markdown) Write(BenchReport report, string folder) =>
        BenchFiles.Write(report, folder, "bench-", report.When, report.Quick, Markdown(report));

    public static string Markdown(BenchReport r)
    {
        var md = new StringBuilder();
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        string Percent(double v) => F(v * 100, "+0.0;-0.0") + " %";
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {r.When:yyyy-MM-dd} on {r.Machine}, {r.Threads} threads{(r.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}.");
        md.AppendLine();
        md.AppendLine("| model | width | context | precision | parameters (in matmuls) | steps/block | Forge ms/step | bare ms/step | framework tax (interval, its coverage, pairs) | GFLOP/s | GEMM peak GFLOP/s | roofline |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in r.Steps)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Model} | {s.Width} | {s.Context} | {s.Precision} | {s.Parameters:N0} ({s.MatmulParameters:N0}) | {s.StepsPerBlock} | {F(s.ForgeSecondsPerStep * 1e3, "F1")} | {(s.BareSecondsPerStep is { } b ? F(b * 1e3, "F1") : "")} | {(s.Tax is { } t ? $"{Percent(t.Median)} ({Percent(t.Low)} to {Percent(t.High)}, {F(t.Coverage * 100, "F0")} %, {t.Count})" : "")} | {F(s.AchievedFlops / 1e9, "F1")} | {F(s.GemmFlops / 1e9, "F1")} | {F(s.RooflineRatio * 100, "F0")} % |");
        md.AppendLine();
        md.AppendLine("| scaling | points (x: ms/step) | fitted exponent |");
        md.AppendLine("|---|---|---|");
        foreach (var s in r.Scaling)
            md.AppendLine(CultureInfo.InvariantCulture, $"| step time vs {s.Variable} | {string.Join(", ", s.Points.Select(p => $"{p.X}: {F(p.Seconds * 1e3, "F1")}"))} | {F(s.Exponent, "F2")} |");
        md.AppendLine();
        var m = r.Memory;
        md.AppendLine(CultureInfo.InvariantCulture, $"Memory over {m.Steps} steps: RSS {F(m.RssAfterWarmupMb, "F0")} → {F(m.RssAfterMb, "F0")} MB, live tensors {m.LiveTensorsAfterWarmup} → {m.LiveTensorsAfter}; peak RSS {F(m.PeakRssMb, "F0")} MB against a baseline of {F(m.BaselineRssMb, "F0")} MB plus an analytic {F(m.EstimateMb, "F1")} MB (weights, gradients, AdamW moments, activations).");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Data: {F(r.Data.BatchSeconds * 1e6, "F0")} µs per batch, {F(r.Data.Fraction * 100, "F3")} % of a step.");
        if (r.ThreadScaling is { } threads)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Threads ({threads.Model}, fp32): {F(threads.OneThreadSecondsPerStep * 1e3, "F1")} ms/step on 1 thread, {F(threads.AllThreadsSecondsPerStep * 1e3, "F1")} ms/step on {threads.Threads}: speedup {F(threads.Speedup, "F2")}, {F(threads.Efficiency * 100, "F0")} % of linear.");
        }
        if (r.Levers.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| lever (forward and backward) | shapes | before ms | after ms | saving (interval, its coverage, pairs) |");
            md.AppendLine("|---|---|---|---|---|");
            foreach (var l in r.Levers)
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {l.Lever} | {l.Shapes} | {F(l.BeforeSeconds * 1e3, "F2")} | {F(l.AfterSeconds * 1e3, "F2")} | {Percent(l.Saving.Median)} ({Percent(l.Saving.Low)} to {Percent(l.Saving.High)}, {F(l.Saving.Coverage * 100, "F0")} %, {l.Saving.Count}) |");
        }
        foreach (var sweep in r.Sweeps)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Sweep, {(sweep.ReusedWorkers ? "reused worker processes" : "a fresh process per trial")}: {sweep.Trials} trials, {sweep.Parallel} at a time, {F(sweep.WallSeconds, "F1")} s wall; {F(sweep.Efficiency * 100, "F0")} % of the worker time trains; start-up {F(sweep.StartupSeconds, "F2")} s per trial.");
        }
        return md.ToString();
    }
}
