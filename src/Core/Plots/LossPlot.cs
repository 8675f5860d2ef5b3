using Forge.Core.Errors;
using Forge.Core.Training;

namespace Forge.Core.Plots;

/// <summary>What a loss plot's horizontal axis counts.</summary>
public enum LossAxis
{
    Step,
    Tokens,
}

/// <summary>
/// Training and evaluation loss against step (or tokens trained on) for one or many runs in one figure (PNG and SVG): each run one
/// colour, its training loss as a thin line and its evaluation loss as a thicker line with markers. Classification
/// runs add their top-1 accuracy on a right-hand axis, in the run's colour, dashed (training batches thin, held-out
/// thick with markers). Runs are labelled by experiment name, with the run folder added where two runs share a name.
/// </summary>
public static class LossPlot
{
    public static void Write(IReadOnlyList<RunCurves> runs, string pathWithoutExtension, string? title = null, LossAxis axis = LossAxis.Step)
    {
        if (axis == LossAxis.Tokens && runs.FirstOrDefault(r => r.Train.Any(p => !r.Tokens.ContainsKey(p.Step))) is { } missing)
            throw new RunSetupException($"{missing.Name}/{missing.Folder} has no token counts in its {MetricFiles.Metrics} (it is not a language model, or an older Forge wrote it); plot it against step instead (--x step).");
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var label = runs.Count(r => r.Name == run.Name) == 1 ? run.Name : $"{run.Name}/{run.Folder}";
            var color = palette.GetColor(i);
            Curve(plot, run, run.Train, axis, color, $"{label} train", heldOut: false, accuracy: false);
            Curve(plot, run, run.Eval, axis, color, $"{label} eval", heldOut: true, accuracy: false);
            Curve(plot, run, run.TrainAccuracy, axis, color, $"{label} train accuracy", heldOut: false, accuracy: true);
            Curve(plot, run, run.EvalAccuracy, axis, color, $"{label} eval accuracy", heldOut: true, accuracy: true);
        }
        var axisName = axis == LossAxis.Tokens ? "tokens" : "step";
        bool accuracy = runs.Any(r => r.HasAccuracy);
        plot.Title(title ?? (accuracy ? $"loss and accuracy against {axisName}" : $"loss against {axisName}"));
        plot.XLabel(axisName);
        plot.YLabel("loss");
        if (accuracy)
            plot.Axes.Right.Label.Text = "accuracy (dashed)";
        plot.ShowLegend(ScottPlot.Edge.Right);
        var directory = Path.GetDirectoryName(Path.GetFullPath(pathWithoutExtension));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        plot.SavePng(pathWithoutExtension + ".png", 1200, 650);
        plot.SaveSvg(pathWithoutExtension + ".svg", 1200, 650);
    }

    /// <summary>
    /// One curve of a run in its colour, if it has points: training curves thin and translucent, held-out ones thick
    /// with markers; accuracies dashed on the right-hand axis (held-out ones with open markers).
    /// </summary>
    private static void Curve(ScottPlot.Plot plot, RunCurves run, IReadOnlyList<(int Step, double Value)> points, LossAxis axis, ScottPlot.Color color,
        string legend, bool heldOut, bool accuracy)
    {
        if (points.Count == 0)
            return;
        var line = plot.Add.Scatter(points.Select(p => X(run, p.Step, axis)).ToArray(), points.Select(p => p.Value).ToArray(), heldOut ? color : color.WithAlpha(0.45));
        line.LegendText = legend;
        if (heldOut)
        {
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }
        else
            line.MarkerSize = 0;
        if (accuracy)
        {
            line.LinePattern = ScottPlot.LinePattern.Dashed;
            line.Axes.YAxis = plot.Axes.Right;
            if (heldOut)
                line.MarkerShape = ScottPlot.MarkerShape.OpenCircle;
        }
    }

    private static double X(RunCurves run, int step, LossAxis axis) =>
        axis == LossAxis.Tokens ? run.Tokens.TryGetValue(step, out var tokens) ? tokens : double.NaN : step;
}
