using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Sweeps;

/// <summary><c>forge trial run SWEEP_DIR --index N</c>: the entry point a cluster launcher runs, with its status file.</summary>
public class TrialCommandTests
{
    [Fact]
    public async Task A_trial_runs_as_the_sweep_ran_it_and_records_done_or_failed_with_the_exit_code_in_its_status_file()
    {
        using var dir = new TempDirectory();
        // Plain SGD without clipping: lr 0.01 trains, lr 100000 diverges at once (exit 1).
        var spec = dir.File("sweep.json", TestSpecs.SyntheticRegression(steps: 10).With("model.width=16", "optimizer={\"name\":\"sgd\",\"lr\":0.1}",
            "training.gradClip=0", "sweep={\"parameters\":{\"optimizer.lr\":{\"values\":[0.01,100000]}}}").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "1");
        var folder = Directory.GetDirectories(Path.Combine(runs, "test-synthetic"), "sweep-*").Single();
        var sweptLoss = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-000", "summary.json")))!["finalEvalLoss"]!.GetValue<double>();

        var good = await CliRunner.RunAsync("trial", "run", folder, "--index", "0"); // every core: the share a one-at-a-time sweep gives
        var bad = await CliRunner.RunAsync("trial", "run", folder, "--index", "1");
        var missing = await CliRunner.RunAsync("trial", "run", folder, "--index", "7");

        Assert.True(good.ExitCode == 0, good.Error);
        var done = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-000", "status.json")))!;
        Assert.Equal("done", done["state"]!.GetValue<string>());
        Assert.Equal(0, done["exitCode"]!.GetValue<int>());
        Assert.True(done["wallSeconds"]!.GetValue<double>() > 0);
        var rerunLoss = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-000", "summary.json")))!["finalEvalLoss"]!.GetValue<double>();
        Assert.Equal(sweptLoss, rerunLoss); // the same trial, bit for bit
        Assert.Contains("completed after 10 steps", File.ReadAllText(Path.Combine(folder, "trials", "trial-000", "log.txt")));

        Assert.Equal(1, bad.ExitCode);
        var failed = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-001", "status.json")))!;
        Assert.Equal("failed", failed["state"]!.GetValue<string>());
        Assert.Equal(1, failed["exitCode"]!.GetValue<int>());
        Assert.Contains("diverged", failed["error"]!.GetValue<string>());

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("has trials 0 to 1, so --index 7 names none", missing.Error);
    }
}
