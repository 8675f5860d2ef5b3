namespace Forge.Core.Diagnostics;

/// <summary>Coordinate-check figures: one PNG per step, log2 width against log2 mean |output|, one line per module.</summary>
public static class CoordinateCheckPlots
{
    /// <summary>Writes <c>coord-check-step{t}.png</c> for each step into <paramref name="folder"/>; returns the files.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<CoordinateSample> samples, string folder)
    {
        var files = new List<string>();
        foreach (var step in samples.Select(s => s.Step).Distinct().Order())
        {
            var plot = new ScottPlot.Plot();
            foreach (var module in samples.Select(s => s.Module).Distinct())
            {
                var points = samples.Where(s => s.Step == step && s.Module == module && s.MeanAbs > 0)
                    .GroupBy(s => s.Width).OrderBy(g => g.Key)
                    .Select(g => (X: Math.Log2(g.Key), Y: Math.Log2(g.Average(s => s.MeanAbs)))).ToList();
                if (points.Count == 0)
                    continue;
                var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray());
                line.LegendText = module;
            }
            plot.Title($"coordinate check, step {step}" + (step == 1 ? " (initialisation)" : ""));
            plot.XLabel("log2 width");
            plot.YLabel("log2 mean |output|");
            plot.ShowLegend(ScottPlot.Edge.Right);
            var path = Path.Combine(folder, $"coord-check-step{step}.png");
            plot.SavePng(path, 1200, 700);
            files.Add(path);
        }
        return files;
    }
}
