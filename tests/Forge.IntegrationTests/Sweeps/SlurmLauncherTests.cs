using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Sweeps;

/// <summary>
/// A sweep through the <c>slurm</c> launcher on a real (one-node) Slurm cluster: the same folders, results and resume
/// semantics as local. Runs in CI (.ci/run starts the cluster); skipped, saying so, where no cluster answers.
/// </summary>
public class SlurmLauncherTests
{
    [RequiresSlurmFact]
    public async Task A_job_array_runs_every_trial_reports_the_failing_one_with_its_exit_code_and_resume_resubmits_what_is_not_done()
    {
        using var dir = new TempDirectory();
        // Plain SGD without clipping: lr 0.01 and 0.02 train, lr 100000 diverges at once (exit 1).
        var spec = dir.File("sweep.json", TestSpecs.SyntheticRegression(steps: 10).With("model.width=16", "optimizer={\"name\":\"sgd\",\"lr\":0.1}",
            "training.gradClip=0", "sweep={\"parameters\":{\"optimizer.lr\":{\"values\":[0.01,100000,0.02]}},\"metric\":\"finalEvalLoss\",\"slurm\":{\"memory\":\"1G\",\"pollSeconds\":0.5}}").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var first = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "2", "--launcher", "slurm");

        Assert.Equal(1, first.ExitCode); // one trial failed
        Assert.Contains("submitted Slurm job array", first.Output);
        var folder = Directory.GetDirectories(Path.Combine(runs, "test-synthetic"), "sweep-*").Single();
        var script = File.ReadAllText(Path.Combine(folder, "slurm", "array.sbatch"));
        Assert.Contains("#SBATCH --mem=1G", script);
        Assert.Contains("trial run", script);
        var trials = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!["trials"]!.AsArray();
        Assert.Equal(new[] { "done", "failed", "done" }, trials.Select(t => t!["state"]!.GetValue<string>()));
        Assert.Equal(1, trials[1]!["exitCode"]!.GetValue<int>());
        Assert.Contains("diverged", trials[1]!["error"]!.GetValue<string>());
        Assert.Contains("trial-001 FAILED (exit 1)", first.Error);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "results.csv")).Length);
        var firstJob = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-001", "status.json")))!["jobId"]!.GetValue<string>();
        var untouched = File.GetLastWriteTimeUtc(Path.Combine(folder, "trials", "trial-000", "summary.json"));

        var resumed = await CliRunner.RunAsync("sweep", "resume", folder, "--parallel", "2");

        Assert.Equal(1, resumed.ExitCode); // the same trial fails the same way
        Assert.Contains("1 of 3 trials to run", resumed.Output);
        Assert.Contains("submitted Slurm job array", resumed.Output); // the launcher was recorded with the sweep
        var secondJob = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-001", "status.json")))!["jobId"]!.GetValue<string>();
        Assert.NotEqual(firstJob, secondJob); // resubmitted as a new array
        Assert.Equal(untouched, File.GetLastWriteTimeUtc(Path.Combine(folder, "trials", "trial-000", "summary.json")));
    }

    /// <summary>
    /// The two methods that plan from results under Slurm: successive halving runs rung by rung (an array for the
    /// configurations, then one per promotion) and the independent search one array per stage; both end as they do
    /// locally, with the trial that trained the whole schedule (halving) or the confirmation (independent) done.
    /// </summary>
    [RequiresSlurmTheory]
    [InlineData("halving")]
    [InlineData("independent")]
    public async Task Methods_that_plan_from_results_run_to_the_end_as_successive_job_arrays(string method)
    {
        using var dir = new TempDirectory();
        var parameters = method == "halving"
            ? "\"optimizer.lr\":{\"values\":[0.003,0.01,0.03]}"
            : "\"optimizer.lr\":{\"values\":[0.003,0.03]},\"training.gradClip\":{\"values\":[0.5,2]}";
        var spec = dir.File("sweep.json", TestSpecs.SyntheticRegression(steps: 9).With("model.width=16",
            $"sweep={{\"method\":\"{method}\",\"halving\":{{\"minSteps\":3,\"eta\":3}},\"parameters\":{{{parameters}}},\"metric\":\"finalTrainLoss\",\"slurm\":{{\"memory\":\"1G\",\"pollSeconds\":0.5}}}}").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var result = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "2", "--launcher", "slurm");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var folder = Directory.GetDirectories(Path.Combine(runs, "test-synthetic"), "sweep-*").Single();
        var trials = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!["trials"]!.AsArray();
        Assert.All(trials, t => Assert.Equal("done", t!["state"]!.GetValue<string>()));
        int arrays = System.Text.RegularExpressions.Regex.Matches(result.Output, "submitted Slurm job array").Count;
        if (method == "halving")
        {
            Assert.Equal(new[] { 0, 0, 1 }, trials.Select(t => t!["rung"]!.GetValue<int>()).Order()); // rungs 3 and 9: one promotion of three
            Assert.Equal(2, arrays);
            var promoted = trials.Single(t => t!["rung"]!.GetValue<int>() == 1)!["id"]!.GetValue<string>();
            Assert.Equal(9, JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", promoted, "summary.json")))!["steps"]!.GetValue<int>());
        }
        else
        {
            Assert.Equal(new[] { "lr", "lr", "each", "each", "combined", "confirm" }, trials.Select(t => t!["stage"]!.GetValue<string>()));
            Assert.Equal(4 - trials.Count(t => t!["sameAs"] is not null && t["stage"]!.GetValue<string>() == "combined"), arrays); // a stage with nothing to run submits nothing
        }
    }

    [RequiresSlurmAndMpiFact]
    public async Task A_trial_with_two_tasks_trains_data_parallel_and_rank_0_alone_records_it()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", TestSpecs.Gpt(32, 10).With("training.batchSize=8", "checkpoint=none",
            "sweep={\"parameters\":{\"optimizer.lr\":{\"values\":[0.01]}},\"metric\":\"finalEvalLoss\",\"slurm\":{\"memory\":\"2G\",\"tasksPerTrial\":2,\"pollSeconds\":0.5}}").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var result = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--launcher", "slurm");

        var folder = Directory.GetDirectories(Path.Combine(runs, "test-gpt"), "sweep-*").Single();
        var trial = Path.Combine(folder, "trials", "trial-000");
        string Read(string file) => File.Exists(Path.Combine(trial, file)) ? File.ReadAllText(Path.Combine(trial, file)) : $"(no {file})";
        Assert.True(result.ExitCode == 0, result.Output + result.Error + Read("log.txt") + File.ReadAllText(Path.Combine(folder, "slurm", "task-0.out")));
        var script = File.ReadAllText(Path.Combine(folder, "slurm", "array.sbatch"));
        Assert.Contains("#SBATCH --ntasks=2", script);
        Assert.Contains("mpirun -np 2", script);
        Assert.Contains("rank 0 of 2", Read("log.txt"));
        Assert.Contains("rank 1 of 2", Read("log-rank1.txt"));
        Assert.Equal("done", JsonNode.Parse(Read("status.json"))!["state"]!.GetValue<string>());
    }
}
