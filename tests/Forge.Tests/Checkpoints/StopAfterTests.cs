using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.Tests.Checkpoints;

/// <summary><c>stopAfter</c>: a run paused with a checkpoint partway through its schedule, continued by the same command, is the uninterrupted run.</summary>
public class StopAfterTests
{
    private static List<(int Step, double Loss)> TrainLosses(string folder) =>
        File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).Where(l => l["loss"] is not null)
            .Select(l => (l["step"]!.GetValue<int>(), l["loss"]!.GetValue<double>())).ToList();

    [Fact]
    public async Task A_run_paused_twice_and_continued_trains_the_uninterrupted_run_with_an_evaluation_at_each_pause()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("spec.json", TestSpecs.Gpt(32, steps: 16).With("training.logInterval=1", "training.evalInterval=8",
            "training.schedule={\"decay\":\"cosine\",\"warmupSteps\":2}", "checkpoint.interval=0").ToJsonString());
        var whole = await CliRunner.RunAsync("run", spec, "--runs", Path.Combine(dir.Path, "whole"), "--plain");
        Assert.True(whole.ExitCode == 0, whole.Error);
        var wholeFolder = Directory.GetDirectories(Path.Combine(dir.Path, "whole", "test-gpt")).Single();
        var runs = Path.Combine(dir.Path, "runs");

        var first = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--set", "stopAfter=5");
        var folder = Directory.GetDirectories(Path.Combine(runs, "test-gpt")).Single();
        var paused = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        bool checkpointed = Directory.Exists(Path.Combine(folder, "checkpoints", "step-00000005"));
        var second = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--set", "stopAfter=11");
        var third = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal("paused", paused["status"]!.GetValue<string>());
        Assert.Equal(5, paused["steps"]!.GetValue<int>());
        Assert.NotNull(paused["finalEvalLoss"]); // the pause evaluates, so a rung's eval metric is read at its end
        Assert.True(checkpointed);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("(step 5 of 16)", second.Output);
        Assert.True(third.ExitCode == 0, third.Error);
        Assert.Contains("(step 11 of 16)", third.Output);
        Assert.Equal(folder, Directory.GetDirectories(Path.Combine(runs, "test-gpt")).Single()); // one run, continued in its folder
        Assert.Equal(TrainLosses(wholeFolder), TrainLosses(folder)); // the schedule spans 16 steps throughout: bit for bit
        Assert.Equal("completed", JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task StopAfter_without_checkpoints_is_refused_naming_both()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("spec.json", TestSpecs.Gpt(32, steps: 16).With("checkpoint=\"none\"", "stopAfter=4").ToJsonString());

        var result = await CliRunner.RunAsync("run", spec, "--runs", Path.Combine(dir.Path, "runs"), "--plain");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("stopAfter 4 pauses the run with a checkpoint to continue from, but checkpoints are off", result.Error);
    }
}
