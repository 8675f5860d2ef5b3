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
        Assert.DoesNotContain("accuracy", svg); // a regression run has none
    }

    [Fact]
    public async Task A_classification_run_adds_its_accuracy_on_a_right_hand_axis()
    {
        using var dir = new TempDirectory();
        dir.File("runs/vit/20260101-000000/metrics.jsonl", string.Join('\n',
            "{\"step\":1,\"loss\":2.3,\"trainAccuracy\":0.1}",
            "{\"step\":2,\"loss\":1.9,\"trainAccuracy\":0.35,\"evalLoss\":2.0,\"evalAccuracy\":0.3}",
            "{\"step\":3,\"loss\":1.2,\"trainAccuracy\":0.6}",
            "{\"step\":4,\"loss\":0.8,\"trainAccuracy\":0.75,\"evalLoss\":0.9,\"evalAccuracy\":0.7}"));
        var folder = Path.Combine(dir.Path, "runs", "vit", "20260101-000000");

        var curves = await Forge.Core.Plots.RunCurves.ReadAsync(folder, CancellationToken.None);
        var result = await CliRunner.RunAsync("plot", folder);

        Assert.Equal(new[] { (1, 0.1), (2, 0.35), (3, 0.6), (4, 0.75) }, curves.TrainAccuracy);
        Assert.Equal(new[] { (2, 0.3), (4, 0.7) }, curves.EvalAccuracy);
        Assert.True(result.ExitCode == 0, result.Error);
        var svg = File.ReadAllText(Path.Combine(folder, "loss.svg"));
        Assert.Contains("loss and accuracy against step", svg);
        Assert.Contains("accuracy (dashed)", svg);
        Assert.Contains("vit eval accuracy", svg);
        Assert.Contains("vit train accuracy", svg);
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
