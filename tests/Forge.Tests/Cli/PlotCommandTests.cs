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
    public async Task A_language_model_plots_against_tokens_and_a_regression_run_says_it_has_none()
    {
        using var text = new TempDirectory();
        using var regression = new TempDirectory();
        var textRun = await CliRunner.RunSpecAsync(text, TestSpecs.Text(steps: 20));
        await CliRunner.RunSpecAsync(regression, TestSpecs.SyntheticRegression(steps: 10));
        var textFolder = CliRunner.RunFolder(text);
        Assert.Matches(@"step 20/20 loss \S+( eval \S+)? lr \S+ [0-9,]+ tok/s", textRun.Output); // the progress line carries throughput
        var last = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllLines(Path.Combine(textFolder, "metrics.jsonl"))[^1])!;
        Assert.Equal(20 * 16 * 16, last["tokens"]!.GetValue<long>()); // steps x batch x context
        Assert.Equal(20 * 16, last["samples"]!.GetValue<long>());

        var target = Path.Combine(text.Path, "by-tokens");
        var byTokens = await CliRunner.RunAsync("plot", textFolder, "--x", "tokens", "--output", target);
        var refused = await CliRunner.RunAsync("plot", CliRunner.RunFolder(regression), "--x", "tokens");

        Assert.True(byTokens.ExitCode == 0, byTokens.Error);
        var svg = File.ReadAllText(target + ".svg");
        Assert.Contains("loss against tokens", svg);
        var ticks = System.Text.RegularExpressions.Regex.Matches(svg, @">\s*([0-9][0-9,.]*)\s*<")
            .Select(m => double.Parse(m.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(ticks, t => t >= 2560 && t <= 5120); // horizontal ticks in tokens (2,560 to 5,120), not steps (10 to 20)
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("has no token counts", refused.Error);
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
