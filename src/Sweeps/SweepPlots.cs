using Forge.Core.Specs;
namespace Forge.Sweeps;

/// <summary>
/// The sweep's figures, as PNG and SVG: the metric against log2(learning rate) with one curve per setting of the
/// other swept parameters (seeds averaged) and each curve's optimum marked — Tensor Programs V's Figure 1 when
/// the other parameter is the width; the metric against each other numeric swept parameter (a figure per parameter,
/// <c>metric-vs-PARAMETER</c>, one curve per setting of the rest); and every trial's training-loss curve.
/// </summary>
public static class SweepPlots
{
    /// <summary>The file name (without extension) of the figure of the metric against <paramref name="parameter"/>.</summary>
    public static string ParameterFigure(string parameter) => $"metric-vs-{parameter}";

    public static void Write(IReadOnlyList<TrialResult> results, SweepMetric metric, string folder)
    {
        foreach (var (parameter, byParameter) in ParameterCurves(results, metric))
            Save(ParameterPlot(parameter, byParameter, metric), Path.Combine(folder, ParameterFigure(parameter)));

        var lossVsLr = new ScottPlot.Plot();
        foreach (var curve in LearningRateCurves(results, metric))
        {
            var line = lossVsLr.Add.Scatter(curve.Points.Select(p => p.Log2Lr).ToArray(), curve.Points.Select(p => p.Metric).ToArray());
            line.LegendText = curve.Label;
            var best = Optimum(curve.Points, metric);
            var marker = lossVsLr.Add.Marker(best.Log2Lr, best.Metric, ScottPlot.MarkerShape.FilledDiamond, 14);
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

    /// <summary>The best point of a curve: the lowest loss, or the highest accuracy.</summary>
    public static (double Log2Lr, double Metric) Optimum(IReadOnlyList<(double Log2Lr, double Metric)> points, SweepMetric metric) =>
        metric.HigherIsBetter() ? points.MaxBy(p => p.Metric) : points.MinBy(p => p.Metric);

    /// <summary>Per setting of the parameters other than the learning rate and the seed: (log2 lr, mean metric over seeds), finite points only.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<(double Log2Lr, double Metric)> Points)> LearningRateCurves(IReadOnlyList<TrialResult> results, SweepMetric metric) =>
        Curves(Scored(results, metric).Where(r => r.LearningRate is > 0), metric, r => Math.Log2(r.LearningRate!.Value), "optimizer.lr");

    /// <summary>
    /// For each swept parameter other than the learning rate and the seed whose values are all numbers (at least two
    /// of them): per setting of the other parameters but the seed, (value, mean metric over seeds), finite points only.
    /// Under successive halving only the top rung's trials count: lower rungs trained fewer steps.
    /// </summary>
    public static IReadOnlyList<(string Parameter, IReadOnlyList<(string Label, IReadOnlyList<(double Value, double Metric)> Points)> Curves)> ParameterCurves(
        IReadOnlyList<TrialResult> results, SweepMetric metric)
    {
        var scored = Scored(TransferSelection.TopRung(results), metric).ToList();
        var figures = new List<(string, IReadOnlyList<(string, IReadOnlyList<(double, double)>)>)>();
        foreach (var parameter in scored.SelectMany(r => r.Values.Keys).Distinct().Where(k => k is not ("optimizer.lr" or "seed")))
        {
            var values = scored.Select(r => r.Values.TryGetValue(parameter, out var v) ? Number(v) : null).ToList();
            if (values.Any(v => v is null) || values.Distinct().Count() < 2)
                continue;
            figures.Add((parameter, Curves(scored, metric, r => Number(r.Values[parameter])!.Value, parameter)));
        }
        return figures;
    }

    /// <summary>Trials with a finite metric that did not diverge.</summary>
    private static IEnumerable<TrialResult> Scored(IEnumerable<TrialResult> results, SweepMetric metric) =>
        results.Where(r => r.Metric(metric) is { } m && double.IsFinite(m) && !r.Diverged);

    /// <summary>One curve per label (the swept values but <paramref name="along"/> and the seed): (x, mean metric over the trials at that x), by x.</summary>
    private static IReadOnlyList<(string Label, IReadOnlyList<(double X, double Metric)> Points)> Curves(
        IEnumerable<TrialResult> scored, SweepMetric metric, Func<TrialResult, double> x, string along) =>
        scored.GroupBy(r => Label(r, along))
            .Select(g => (g.Key, (IReadOnlyList<(double, double)>)g.GroupBy(x)
                .Select(p => (p.Key, p.Average(r => r.Metric(metric)!.Value)))
                .OrderBy(p => p.Item1).ToList()))
            .ToList();

    private static ScottPlot.Plot ParameterPlot(string parameter, IReadOnlyList<(string Label, IReadOnlyList<(double Value, double Metric)> Points)> curves, SweepMetric metric)
    {
        var all = curves.SelectMany(c => c.Points.Select(p => p.Value)).ToList();
        bool log = all.Min() > 0 && all.Max() / all.Min() >= 4; // widths, fractions, multipliers: read on a log scale
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category20();
        for (int i = 0; i < curves.Count; i++)
        {
            var (label, points) = curves[i];
            var line = plot.Add.Scatter(points.Select(p => log ? Math.Log2(p.Value) : p.Value).ToArray(), points.Select(p => p.Metric).ToArray(), palette.GetColor(i));
            line.LegendText = label;
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }
        plot.Title($"{metric} against {parameter}");
        plot.XLabel(log ? $"log2 {parameter}" : parameter);
        plot.YLabel(metric.ToString());
        plot.ShowLegend(ScottPlot.Edge.Right);
        return plot;
    }

    /// <summary>A swept value as a number, or null (strings, objects, booleans).</summary>
    private static double? Number(string json) =>
        double.TryParse(json, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) ? value : null;

    /// <summary>The trial's swept values but <paramref name="except"/> and the seed, the label of the curve it belongs to.</summary>
    private static string Label(TrialResult r, string except)
    {
        var label = string.Join(", ", r.Values.Where(v => v.Key != except && v.Key != "seed").Select(v => $"{v.Key}={v.Value}"));
        return label.Length == 0 ? "all trials" : label;
    }

    private static void Save(ScottPlot.Plot plot, string pathWithoutExtension)
    {
        plot.SavePng(pathWithoutExtension + ".png", 1100, 650);
        plot.SaveSvg(pathWithoutExtension + ".svg", 1100, 650);
    }
}
