using Forge.Tests.Support;

namespace Forge.Tests.Cli;

/// <summary><c>forge plot</c>: one figure for several runs, and clear errors for folders that are not runs.</summary>
public class PlotCommandTests
{
    [Fact]
    public async Task Plots_the_curves_of_a_run_as_png_and_svg()
    {
        using var dir = new TempDirectory();
        var run = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression(steps: 20));
        Assert.Equal(0, run.ExitCode);
        var folder = CliRunner.RunFolder(dir);
        Assert.True(new FileInfo(Path.Combine(folder, "loss.png")).Length > 10_000, "every run draws its own loss.png");
        Assert.True(File.Exists(Path.Combine(folder, "loss.svg")));
        var target = Path.Combine(dir.Path, "figures", "curves");

        var result = await CliRunner.RunAsync("plot", folder, folder, "--output", target + ".png", "--title", "two runs");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(new FileInfo(target + ".png").Length > 10_000);
        var svg = File.ReadAllText(target + ".svg");
        Assert.Contains("two runs", svg);
        Assert.Contains("eval", svg); // legend entries for the evaluation curves
    }

    [Fact]
    public async Task A_folder_without_metrics_or_with_a_corrupt_line_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        var missing = await CliRunner.RunAsync("plot", dir.Path);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("is not a run folder: it has no metrics.jsonl", missing.Error);

        dir.File("metrics.jsonl", "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"lo");
        var corrupt = await CliRunner.RunAsync("plot", dir.Path);
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("metrics.jsonl line 2 is not a metric record", corrupt.Error);
        Assert.DoesNotContain("   at ", corrupt.Error);
    }
}
