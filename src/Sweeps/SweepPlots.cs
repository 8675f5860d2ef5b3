using Forge.Core.Specs;
namespace Forge.Sweeps;

/// <summary>
/// The sweep's figures, as PNG and SVG: the metric against log2(learning rate) with one curve per setting of the
/// other swept parameters (seeds averaged) and each curve's optimum marked — Tensor Programs V's Figure 1 when
/// the other parameter is the width; and every trial's training-loss curve.
/// </summary>
public static class SweepPlots
{
    public static void Write(IReadOnlyList<TrialResult> results, SweepMetric metric, string folder)
    {
        var lossVsLr = new ScottPlot.Plot();
        foreach (var curve in LearningRateCurves(results, metric))
        {
            var line = lossVsLr.Add.Scatter(curve.Points.Select(p => p.Log2Lr).ToArray(), curve.Points.Select(p => p.Loss).ToArray());
            line.LegendText = curve.Label;
            var best = curve.Points.MinBy(p => p.Loss);
            var marker = lossVsLr.Add.Marker(best.Log2Lr, best.Loss, ScottPlot.MarkerShape.FilledDiamond, 14);
            marker.Color = line.Color;
        }
        lossVsLr.Title($"{metric} against learning rate (optimum marked)");
        lossVsLr.XLabel("log2 learning rate");
        lossVsLr.YLabel(metric.ToString());
        lossVsLr.ShowLegend(ScottPlot.Edge.Right);
        Save(lossVsLr, Path.Combine(folder, "loss-vs-lr"));

        var curves = new ScottPlot.Plot();
        foreach (var r in results.Where(r => r.Curve.Count > 0))
        {
            var line = curves.Add.Scatter(r.Curve.Select(p => (double)p.Step).ToArray(), r.Curve.Select(p => p.Loss).ToArray());
            line.LegendText = r.Id;
            line.MarkerSize = 0;
        }
        curves.Title("training loss per trial");
        curves.XLabel("step");
        curves.YLabel("training loss");
        if (results.Count <= 20)
            curves.ShowLegend(ScottPlot.Edge.Right);
        Save(curves, Path.Combine(folder, "loss-curves"));
    }

    /// <summary>Per setting of the parameters other than the learning rate and the seed: (log2 lr, mean metric over seeds), finite points only.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<(double Log2Lr, double Loss)> Points)> LearningRateCurves(IReadOnlyList<TrialResult> results, SweepMetric metric) =>
        results.Where(r => r.LearningRate is > 0 && r.Metric(metric) is { } m && double.IsFinite(m) && !r.Diverged)
            .GroupBy(r => Label(r))
            .Select(g => (g.Key, (IReadOnlyList<(double, double)>)g.GroupBy(r => r.LearningRate!.Value)
                .Select(lr => (Math.Log2(lr.Key), lr.Average(r => r.Metric(metric)!.Value)))
                .OrderBy(p => p.Item1).ToList()))
            .Where(c => c.Item2.Count > 0)
            .ToList();

    private static string Label(TrialResult r)
    {
        var label = string.Join(", ", r.Values.Where(v => v.Key is not ("optimizer.lr" or "seed")).Select(v => $"{v.Key}={v.Value}"));
        return label.Length == 0 ? "all trials" : label;
    }

    private static void Save(ScottPlot.Plot plot, string pathWithoutExtension)
    {
        plot.SavePng(pathWithoutExtension + ".png", 1100, 650);
        plot.SaveSvg(pathWithoutExtension + ".svg", 1100, 650);
    }
}
