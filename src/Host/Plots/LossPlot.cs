namespace Forge.Host.Plots;

/// <summary>
/// Training and evaluation loss against step for one or many runs in one figure (PNG and SVG): each run one
/// colour, its training loss as a thin line and its evaluation loss as a thicker line with markers. Runs are
/// labelled by experiment name, with the run folder added where two runs share a name.
/// </summary>
internal static class LossPlot
{
    public static void Write(IReadOnlyList<RunCurves> runs, string pathWithoutExtension, string? title = null)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var label = runs.Count(r => r.Name == run.Name) == 1 ? run.Name : $"{run.Name}/{run.Folder}";
            var color = palette.GetColor(i);
            if (run.Train.Count > 0)
            {
                var train = plot.Add.Scatter(run.Train.Select(p => (double)p.Step).ToArray(), run.Train.Select(p => p.Loss).ToArray(), color.WithAlpha(0.45));
                train.MarkerSize = 0;
                train.LegendText = $"{label} train";
            }
            if (run.Eval.Count > 0)
            {
                var eval = plot.Add.Scatter(run.Eval.Select(p => (double)p.Step).ToArray(), run.Eval.Select(p => p.Loss).ToArray(), color);
                eval.LineWidth = 2;
                eval.MarkerSize = 6;
                eval.LegendText = $"{label} eval";
            }
        }
        plot.Title(title ?? "loss against step");
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend(ScottPlot.Edge.Right);
        var directory = Path.GetDirectoryName(Path.GetFullPath(pathWithoutExtension));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        plot.SavePng(pathWithoutExtension + ".png", 1200, 650);
        plot.SaveSvg(pathWithoutExtension + ".svg", 1200, 650);
    }
}
