using Forge.Core.Specs;
using Forge.Sweeps;
using Forge.Tests.Support;

namespace Forge.Tests.Sweeps;

/// <summary>The sweep's figure of its metric against each numeric swept parameter.</summary>
public class SweepPlotsTests
{
    private static TrialResult Trial(int width, string augmentation, int seed, double accuracy) =>
        new($"t-{width}-{augmentation}-{seed}", TrialState.Done,
            new Dictionary<string, string> { ["model.width"] = width.ToString(), ["data.augmentation"] = $"\"{augmentation}\"", ["seed"] = seed.ToString() },
            0.003, 0.5, 0.5, 0.6, 0.6, 0.5, false, 10, new List<(int, double)> { (1, 1.0), (2, 0.5) }, FinalEvalAccuracy: accuracy, BestEvalAccuracy: accuracy);

    private static readonly TrialResult[] Grid =
    {
        Trial(32, "none", 1, 0.80), Trial(32, "none", 2, 0.82), Trial(128, "none", 1, 0.86), Trial(128, "none", 2, 0.88),
        Trial(32, "light", 1, 0.78), Trial(128, "light", 1, 0.85),
    };

    [Fact]
    public void Each_numeric_parameter_gets_a_curve_per_setting_of_the_others_averaged_over_seeds()
    {
        var figures = SweepPlots.ParameterCurves(Grid, SweepMetric.FinalEvalAccuracy);

        var (parameter, curves) = Assert.Single(figures); // not the augmentation (strings), not the seed
        Assert.Equal("model.width", parameter);
        Assert.Equal(new[] { "data.augmentation=\"none\"", "data.augmentation=\"light\"" }, curves.Select(c => c.Label));
        var none = curves[0].Points;
        Assert.Equal(new[] { 32.0, 128.0 }, none.Select(p => p.Value));
        Assert.Equal(0.81, none[0].Metric, 10);
        Assert.Equal(0.87, none[1].Metric, 10);
    }

    [Fact]
    public void Under_successive_halving_only_the_top_rung_counts()
    {
        var rungs = Grid.Select(t => t with { Rung = 1 }).Concat(new[] { Trial(32, "none", 3, 0.10) with { Rung = 0 } }).ToList();

        var (_, curves) = Assert.Single(SweepPlots.ParameterCurves(rungs, SweepMetric.FinalEvalAccuracy));

        Assert.Equal(0.81, curves[0].Points[0].Metric, 10); // the rung-0 trial's 0.10 is left out
    }

    [Fact]
    public void The_learning_rate_figure_marks_the_highest_accuracy_and_the_lowest_loss()
    {
        var points = new[] { (-8.0, 0.80), (-7.0, 0.86), (-6.0, 0.70) };

        Assert.Equal((-7.0, 0.86), SweepPlots.Optimum(points, SweepMetric.FinalEvalAccuracy));
        Assert.Equal((-6.0, 0.70), SweepPlots.Optimum(points, SweepMetric.FinalEvalLoss));
    }

    [Fact]
    public void The_sweep_writes_the_figure_beside_its_others()
    {
        using var dir = new TempDirectory();
        SweepPlots.Write(Grid, SweepMetric.FinalEvalAccuracy, dir.Path);

        var svg = File.ReadAllText(Path.Combine(dir.Path, SweepPlots.ParameterFigure("model.width") + ".svg"));
        Assert.Contains("FinalEvalAccuracy against model.width", svg);
        Assert.Contains("log2 model.width", svg); // widths 32 to 128 on a log scale
        Assert.True(new FileInfo(Path.Combine(dir.Path, "metric-vs-model.width.png")).Length > 10_000);
        Assert.False(File.Exists(Path.Combine(dir.Path, "metric-vs-data.augmentation.png")));
    }
}
