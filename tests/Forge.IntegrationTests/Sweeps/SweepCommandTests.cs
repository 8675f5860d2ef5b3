using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Sweeps;

/// <summary>The sweep workflow end to end with tiny trials in real worker processes: expand, run, resume, results, plots, transfer.</summary>
public class SweepCommandTests
{
    private static JsonObject SweepSpec() => TestSpecs.SyntheticRegression(steps: 20).With(
        "model.width=16", "parametrization={\"name\":\"mup\",\"baseWidth\":16}",
        "sweep={\"parameters\":{\"optimizer.lr\":{\"log2Min\":-9,\"log2Max\":-5,\"log2Step\":2},\"seed\":{\"values\":[1,2]}},\"metric\":\"finalEvalLoss\"}");

    /// <summary>A sweep of plain SGD without clipping over <paramref name="learningRates"/>; 100000 diverges at once.</summary>
    private static JsonObject SgdSweepSpec(string learningRates) => SweepSpec().With(
        "optimizer={\"name\":\"sgd\",\"lr\":0.1}", "training.gradClip=0",
        $"sweep.parameters={{\"optimizer.lr\":{{\"values\":[{learningRates}]}}}}");

    private static string SweepFolder(TempDirectory dir) => Directory.GetDirectories(Path.Combine(dir.Path, "runs", "test-synthetic"), "sweep-*").Single();

    /// <summary>(trial, rung, steps, rung metrics) of every trial in a sweep folder's sweep.json.</summary>
    private static List<string> Rungs(string folder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!["trials"]!.AsArray()
            .Select(t => $"{t!["id"]} rung {t["rung"]} steps {t["steps"]} {t["state"]} {t["rungMetrics"]?.ToJsonString()}").ToList();

    [Fact]
    public async Task Successive_halving_promotes_trials_that_continue_from_their_checkpoints_and_an_interrupted_sweep_resumes_to_the_same_decisions()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression(steps: 400).With("model.width=16", "parametrization={\"name\":\"mup\",\"baseWidth\":16}", "training.logInterval=5",
            "sweep={\"method\":\"halving\",\"halving\":{\"minSteps\":50,\"eta\":2},\"parameters\":{\"optimizer.lr\":{\"log2Min\":-10,\"log2Max\":-4,\"log2Step\":2}},\"metric\":\"meanTrainLoss\",\"lastSteps\":10}");
        var whole = dir.File("whole.json", spec.With("name=\"whole\"").ToJsonString());
        var parts = dir.File("parts.json", spec.With("name=\"parts\"").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var uninterrupted = await CliRunner.RunAsync("sweep", whole, "--runs", runs, "--parallel", "1");

        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.Error + uninterrupted.Output);
        var wholeFolder = Directory.GetDirectories(Path.Combine(runs, "whole"), "sweep-*").Single();
        var decisions = Rungs(wholeFolder);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(wholeFolder, "sweep.json")))!["trials"]!.AsArray();
        Assert.Equal(4, state.Count); // lr 2^-10, 2^-8, 2^-6, 2^-4; rungs 50, 100, 200, 400
        var top = state.Single(t => t!["rung"]!.GetValue<int>() == 3)!;
        Assert.Equal(400, top["steps"]!.GetValue<int>());
        var topFolder = Path.Combine(wholeFolder, "trials", top["id"]!.GetValue<string>());
        var steps = File.ReadAllLines(Path.Combine(topFolder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["step"]!.GetValue<int>()).Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, 80).Select(i => 5 * i), steps); // one run, paused at each rung and continued in its folder
        Assert.Contains("(step 200 of 400)", File.ReadAllText(Path.Combine(topFolder, "log.txt"))); // its last rung continued from the checkpoint of the one before
        var trained = state.Sum(t => t!["steps"]!.GetValue<int>());
        Assert.True(trained < 4 * 400 / 2, $"{trained} steps");
        Assert.Contains($"compute: 4 trials trained {trained:N0} steps", uninterrupted.Output);
        Assert.Contains("rung 0 at 50 steps", uninterrupted.Output);
        var rows = File.ReadAllLines(Path.Combine(wholeFolder, "results.csv"));
        Assert.Contains(rows.Skip(1), r => r.EndsWith(",3,400,", StringComparison.Ordinal)); // rung, steps, same_as (empty)

        using (var sweep = ForgeProcess.Start("sweep", parts, "--runs", runs, "--parallel", "1", "--plain"))
        {
            await sweep.WaitUntilAsync(() => sweep.Output.Contains("rung 1 at 100 steps"), "a promoted trial's rung");
            sweep.Signal("INT");
            Assert.Equal(130, await sweep.WaitAsync(TimeSpan.FromSeconds(60)));
        }
        var partsFolder = Directory.GetDirectories(Path.Combine(runs, "parts"), "sweep-*").Single();
        Assert.NotEqual(decisions, Rungs(partsFolder));
        var resumed = await CliRunner.RunAsync("sweep", "resume", partsFolder, "--parallel", "1");

        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        Assert.Equal(decisions, Rungs(partsFolder)); // the same promotions and the same metrics at every rung
    }

    [Fact]
    public async Task An_independent_search_runs_its_four_stages_reports_each_winner_and_resumes_from_where_it_stopped()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", SweepSpec().With(
            "sweep={\"method\":\"independent\",\"parameters\":{\"optimizer.lr\":{\"log2Min\":-9,\"log2Max\":-5,\"log2Step\":4},\"parametrization.outputMultiplier\":{\"values\":[0.5,2]}},\"metric\":\"finalEvalLoss\"}").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var first = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "2");

        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        var folder = SweepFolder(dir);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!;
        var trials = state["trials"]!.AsArray();
        Assert.Equal(new[] { "lr", "lr", "each", "each", "combined", "confirm" }, trials.Select(t => t!["stage"]!.GetValue<string>()));
        var stages = File.ReadAllLines(Path.Combine(folder, "stages.csv"));
        Assert.Equal("stage,parameter,trial,finalEvalLoss,overrides", stages[0]);
        Assert.Equal(5, stages.Length); // lr, each (one parameter), combined, confirm
        var lrWinner = stages[1].Split(',')[2];
        var rows = File.ReadAllLines(Path.Combine(folder, "results.csv"));
        int column = Array.IndexOf(rows[0].Split(','), "final_eval_loss");
        Assert.Equal(new[] { "stage", "rung", "steps", "same_as" }, rows[0].Split(',')[^4..]);
        var lossOf = rows.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => double.Parse(c[column], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(new[] { "trial-000", "trial-001" }.MinBy(id => lossOf[id]), lrWinner); // the lower loss won
        var combined = trials[4]!["overrides"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        Assert.Equal(trials[int.Parse(lrWinner[^3..], System.Globalization.CultureInfo.InvariantCulture)]!["overrides"]![0]!.GetValue<string>(), combined[0]);
        long seed = SweepSpec()["seed"]!.GetValue<long>();
        Assert.Equal(combined.Append($"seed={seed + 1}"), trials[5]!["overrides"]!.AsArray().Select(o => o!.GetValue<string>())); // the confirmation's next seed
        Assert.Contains("stage combined: trial-004 won", first.Output);
        Assert.Contains("stage each: 2 trial(s)", first.Output);
        // Neither grid holds the spec's own value, so the combination is one of the each stage's trials: it is not run again.
        var eachWinner = stages[2].Split(',')[2];
        Assert.Equal(trials[int.Parse(eachWinner[^3..], System.Globalization.CultureInfo.InvariantCulture)]!["overrides"]!.AsArray().Select(o => o!.GetValue<string>()), combined);
        Assert.Equal(eachWinner, trials[4]!["sameAs"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(folder, "trials", "trial-004")));
        Assert.Equal(lossOf[eachWinner], lossOf["trial-004"]);
        Assert.Contains("stage combined: 1 trial(s)", first.Output);
        Assert.Contains("1 of them the same experiment as an earlier trial, not run again", first.Output);
        Assert.Matches($"trial-004 +done .*same as {eachWinner}, not run", first.Output);
        Assert.Contains("compute: 5 trials trained 100 steps in ", first.Output); // 5 trials of 20 steps, the combination not among them

        // Stopped after the second stage: the combination and the confirmation were never planned.
        trials.RemoveAt(5);
        trials.RemoveAt(4);
        File.WriteAllText(Path.Combine(folder, "sweep.json"), state.ToJsonString());
        Directory.Delete(Path.Combine(folder, "trials", "trial-005"), recursive: true);

        var resumed = await CliRunner.RunAsync("sweep", "resume", folder);

        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        var after = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!["trials"]!.AsArray();
        Assert.Equal(6, after.Count);
        Assert.Equal(combined, after[4]!["overrides"]!.AsArray().Select(o => o!.GetValue<string>())); // the same plan from the same results
        Assert.Equal(eachWinner, after[4]!["sameAs"]!.GetValue<string>());
        Assert.Equal("done", after[5]!["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_sweep_runs_every_trial_writes_results_and_plots_resumes_only_unfinished_trials_and_transfers_the_best()
    {
        using var dir = new TempDirectory();
        // The spec's fixed Prometheus port would clash between parallel trials: each trial gets a free port instead.
        var spec = dir.File("sweep.json", SweepSpec().With("metrics.exporters=[\"prometheus\"]", "metrics.prometheus.port=9464").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var first = await CliRunner.RunAsync("sweep", spec, "--runs", runs, "--parallel", "2");

        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        var folder = SweepFolder(dir);
        var ports = Directory.GetFiles(Path.Combine(folder, "trials"), "log.txt", SearchOption.AllDirectories)
            .Select(log => System.Text.RegularExpressions.Regex.Match(File.ReadAllText(log), @"metrics: http://127\.0\.0\.1:([0-9]+)/metrics").Groups[1].Value).ToList();
        Assert.Equal(6, ports.Count(p => p.Length > 0 && p != "9464"));
        Assert.False(Directory.Exists(Path.Combine(folder, "trials", "trial-000", "checkpoints"))); // trials write no checkpoints unless the spec asks
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sweep.json")))!;
        var trials = state["trials"]!.AsArray();
        Assert.Equal(6, trials.Count); // 3 learning rates x 2 seeds
        Assert.All(trials, t => Assert.Equal("done", t!["state"]!.GetValue<string>()));
        Assert.All(Enumerable.Range(0, 6), i => Assert.Equal("done", // the same status files a cluster launcher's trials write
            JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", $"trial-{i:D3}", "status.json")))!["state"]!.GetValue<string>()));
        var csv = File.ReadAllLines(Path.Combine(folder, "results.csv"));
        Assert.Equal(7, csv.Length);
        Assert.StartsWith("trial,state,optimizer.lr,seed,learning_rate,final_train_loss,best_train_loss,final_eval_loss", csv[0]);
        foreach (var plot in new[] { "loss-vs-lr.png", "loss-vs-lr.svg", "loss-curves.png", "loss-curves.svg" })
            Assert.True(new FileInfo(Path.Combine(folder, plot)).Length > 1000, plot);
        Assert.Contains("<- best", first.Output);

        // Interrupt: one trial failed, one was running; the others must not run again.
        trials[1]!["state"] = "failed";
        trials[4]!["state"] = "running";
        File.WriteAllText(Path.Combine(folder, "sweep.json"), state.ToJsonString());
        // The trials' own status files agree (they are what resume trusts): trial-001 left none, trial-004 was cut off while running.
        File.Delete(Path.Combine(folder, "trials", "trial-001", "status.json"));
        var running = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "trials", "trial-004", "status.json")))!.AsObject();
        running["state"] = "running";
        File.WriteAllText(Path.Combine(folder, "trials", "trial-004", "status.json"), running.ToJsonString());
        var untouched = Path.Combine(folder, "trials", "trial-000", "summary.json");
        var untouchedTime = File.GetLastWriteTimeUtc(untouched);

        var resumed = await CliRunner.RunAsync("sweep", "resume", folder, "--parallel", "2");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("2 of 6 trials to run", resumed.Output);
        Assert.Contains("trial-001 done", resumed.Output);
        Assert.Contains("trial-004 done", resumed.Output);
        Assert.DoesNotContain("trial-000 done", resumed.Output);
        Assert.Equal(untouchedTime, File.GetLastWriteTimeUtc(untouched));
        var again = await CliRunner.RunAsync("sweep", "resume", folder);
        Assert.Contains("nothing to run", again.Output);

        // Transfer: the argmin of the mean final eval loss over the two seeds, applied to a wider target.
        var results = File.ReadAllLines(Path.Combine(folder, "results.csv")).Skip(1).Select(l => l.Split(','))
            .GroupBy(f => f[2]).Select(g => (Lr: g.Key, Loss: g.Average(f => double.Parse(f[7], System.Globalization.CultureInfo.InvariantCulture)))).MinBy(g => g.Loss);
        var target = dir.File("target.json", TestSpecs.SyntheticRegression().With("model.width=64", "parametrization={\"name\":\"mup\",\"baseWidth\":16}").ToJsonString());

        var transfer = await CliRunner.RunAsync("transfer", "--from", folder, "--to", target, "--run", "--runs", Path.Combine(dir.Path, "target-runs"));

        Assert.True(transfer.ExitCode == 0, transfer.Error);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "target.transferred.json")))!;
        Assert.Equal(double.Parse(results.Lr, System.Globalization.CultureInfo.InvariantCulture), written["optimizer"]!["lr"]!.GetValue<double>());
        Assert.Equal(64, written["model"]!["width"]!.GetValue<int>());
        Assert.Equal(3, written["seed"]!.GetValue<int>()); // the target's own seed
        var targetRun = Directory.GetDirectories(Path.Combine(dir.Path, "target-runs", "test-synthetic")).Single();
        var targetSpec = JsonNode.Parse(File.ReadAllText(Path.Combine(targetRun, "spec.json")))!;
        Assert.Equal(written["optimizer"]!["lr"]!.GetValue<double>(), targetSpec["optimizer"]!["lr"]!.GetValue<double>()); // --run trained the transferred spec
        Assert.Contains("completed after", transfer.Output);
    }

    [Fact]
    public async Task Failed_trials_are_reported_with_their_log_and_the_sweep_exits_1()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", SgdSweepSpec("0.01,100000").ToJsonString());

        var result = await CliRunner.RunAsync("sweep", spec, "--runs", Path.Combine(dir.Path, "runs"), "--parallel", "1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("trial-001 FAILED (exit 1)", result.Error);
        Assert.Contains("diverged", result.Error);
        Assert.Contains("log.txt", result.Error);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(dir), "sweep.json")))!["trials"]!.AsArray();
        Assert.Equal(new[] { "done", "failed" }, state.Select(t => t!["state"]!.GetValue<string>()));
        Assert.Contains("sweep incomplete", result.Output);
    }

    [Fact]
    public async Task Fail_fast_stops_at_the_first_failure_and_leaves_the_rest_pending_for_resume()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", SgdSweepSpec("100000,0.01,0.02").ToJsonString());

        var result = await CliRunner.RunAsync("sweep", spec, "--runs", Path.Combine(dir.Path, "runs"), "--parallel", "1", "--fail-fast");

        Assert.Equal(1, result.ExitCode);
        var states = JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(dir), "sweep.json")))!["trials"]!.AsArray()
            .Select(t => t!["state"]!.GetValue<string>());
        Assert.Equal(new[] { "failed", "pending", "pending" }, states);
        Assert.Contains("forge sweep resume", result.Output);
    }

    [Fact]
    public async Task A_spec_without_a_sweep_or_with_an_invalid_trial_is_refused_before_anything_runs()
    {
        using var dir = new TempDirectory();
        var noSweep = dir.File("plain.json", TestSpecs.SyntheticRegression().ToJsonString());
        var badTrial = dir.File("bad.json", SweepSpec().With("sweep.parameters={\"model.width\":{\"values\":[16,\"wide\"]}}").ToJsonString());

        var a = await CliRunner.RunAsync("sweep", noSweep, "--runs", Path.Combine(dir.Path, "runs"));
        var b = await CliRunner.RunAsync("sweep", badTrial, "--runs", Path.Combine(dir.Path, "runs"));

        Assert.Equal(2, a.ExitCode);
        Assert.Contains("sweep: is missing", a.Error);
        Assert.Equal(2, b.ExitCode);
        Assert.Contains("model.width: in trial-001 (model.width=\"wide\")", b.Error);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs")));
    }
}
