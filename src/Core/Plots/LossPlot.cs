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
            if (run.Train.Count > 0)
            {
                var train = plot.Add.Scatter(run.Train.Select(p => X(run, p.Step, axis)).ToArray(), run.Train.Select(p => p.Loss).ToArray(), color.WithAlpha(0.45));
                train.MarkerSize = 0;
                train.LegendText = $"{label} train";
            }
            if (run.Eval.Count > 0)
            {
                var eval = plot.Add.Scatter(run.Eval.Select(p => X(run, p.Step, axis)).ToArray(), run.Eval.Select(p => p.Loss).ToArray(), color);
                eval.LineWidth = 2;
                eval.MarkerSize = 6;
                eval.LegendText = $"{label} eval";
            }
            if (run.TrainAccuracy.Count > 0)
            {
                var train = plot.Add.Scatter(run.TrainAccuracy.Select(p => X(run, p.Step, axis)).ToArray(), run.TrainAccuracy.Select(p => p.Accuracy).ToArray(), color.WithAlpha(0.45));
                train.MarkerSize = 0;
                train.LinePattern = ScottPlot.LinePattern.Dashed;
                train.Axes.YAxis = plot.Axes.Right;
                train.LegendText = $"{label} train accuracy";
            }
            if (run.EvalAccuracy.Count > 0)
            {
                var eval = plot.Add.Scatter(run.EvalAccuracy.Select(p => X(run, p.Step, axis)).ToArray(), run.EvalAccuracy.Select(p => p.Accuracy).ToArray(), color);
                eval.LineWidth = 2;
                eval.MarkerSize = 6;
                eval.MarkerShape = ScottPlot.MarkerShape.OpenCircle;
                eval.LinePattern = ScottPlot.LinePattern.Dashed;
                eval.Axes.YAxis = plot.Axes.Right;
                eval.LegendText = $"{label} eval accuracy";
            }
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

    private static double X(RunCurves run, int step, LossAxis axis) =>
        axis == LossAxis.Tokens ? run.Tokens.TryGetValue(step, out var tokens) ? tokens : double.NaN : step;
}
