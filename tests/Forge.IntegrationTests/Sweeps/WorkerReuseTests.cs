using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Sweeps;

/// <summary>Sweep trials sharing worker processes: the same numbers as a fresh process per trial, and a worker that dies fails only its trial.</summary>
public class WorkerReuseTests
{
    private static JsonObject Spec(string sweep) => TestSpecs.SyntheticRegression(steps: 20).With(
        "model.width=16", "parametrization={\"name\":\"mup\",\"baseWidth\":16}", "training.logInterval=1", $"sweep={sweep}");

    private static string SweepFolder(string runs) => Directory.GetDirectories(Path.Combine(runs, "test-synthetic"), "sweep-*").Single();

    /// <summary>Each metrics line without its timings.</summary>
    private static List<string> Numbers(string trialFolder) => File.ReadAllLines(Path.Combine(trialFolder, "metrics.jsonl"))
        .Select(line =>
        {
            var record = JsonNode.Parse(line)!.AsObject();
            foreach (var timing in new[] { "elapsedSeconds", "examplesPerSecond", "tokensPerSecond" })
                record.Remove(timing);
            return record.ToJsonString();
        }).ToList();

    [Fact]
    public async Task Trials_run_one_after_another_in_one_worker_match_fresh_processes_bit_for_bit()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("sweep.json", Spec("{\"parameters\":{\"optimizer.lr\":{\"values\":[0.001,0.01,0.03]},\"seed\":{\"values\":[1,2]}}}").ToJsonString());
        var reusedRuns = Path.Combine(dir.Path, "reused");
        var freshRuns = Path.Combine(dir.Path, "fresh");

        var reused = await CliRunner.RunAsync("sweep", spec, "--runs", reusedRuns, "--parallel", "1", "--plain");
        var fresh = await CliRunner.RunAsync("sweep", spec, "--runs", freshRuns, "--parallel", "1", "--plain", "--fresh-processes");

        Assert.True(reused.ExitCode == 0, reused.Error);
        Assert.True(fresh.ExitCode == 0, fresh.Error);
        var reusedTrials = Directory.GetDirectories(Path.Combine(SweepFolder(reusedRuns), "trials")).Order().ToList();
        var freshTrials = Directory.GetDirectories(Path.Combine(SweepFolder(freshRuns), "trials")).Order().ToList();
        Assert.Equal(6, reusedTrials.Count);
        foreach (var (r, f) in reusedTrials.Zip(freshTrials))
        {
            Assert.Equal(20, Numbers(r).Count); // every step logged
            Assert.Equal(Numbers(f), Numbers(r));
            Assert.Contains("step 20/20", File.ReadAllText(Path.Combine(r, "log.txt")));
        }
        // Reuse is what made the difference: five of the six trials skipped a process start.
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(reusedRuns), "sweep.json")))!["trials"]!.AsArray();
        var freshState = JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(freshRuns), "sweep.json")))!["trials"]!.AsArray();
        double Overhead(JsonArray trials, string runs) => trials.Skip(1).Sum(t =>
            t!["wallSeconds"]!.GetValue<double>()
            - JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(runs), "trials", t["id"]!.GetValue<string>(), "summary.json")))!["wallSeconds"]!.GetValue<double>());
        Assert.True(Overhead(state, reusedRuns) < Overhead(freshState, freshRuns) / 2,
            $"start-up of trials 2-6: reused {Overhead(state, reusedRuns):F2} s, fresh {Overhead(freshState, freshRuns):F2} s");
    }

    [Fact]
    public async Task A_worker_killed_during_a_trial_fails_that_trial_with_its_exit_code_and_the_next_trial_gets_a_new_worker()
    {
        using var dir = new TempDirectory();
        var runs = Path.Combine(dir.Path, "runs");
        var spec = dir.File("sweep.json", Spec("{\"parameters\":{\"training.steps\":{\"values\":[1000000,20]}}}").ToJsonString());

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3)); // never leave a million-step worker behind
        var sweep = CliRunner.RunAsync(limit.Token, "sweep", spec, "--runs", runs, "--parallel", "1", "--plain");
        try
        {
            int worker = await WaitForWorkerWriting(dir.Path, TimeSpan.FromSeconds(60));
            System.Diagnostics.Process.GetProcessById(worker).Kill(); // SIGKILL, as the OOM killer would
        }
        catch
        {
            await limit.CancelAsync();
            await sweep;
            throw;
        }
        var result = await sweep;

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("trial-000 FAILED (exit 137)", result.Error);
        Assert.Contains("the worker process ended during the trial", result.Error);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(SweepFolder(runs), "sweep.json")))!["trials"]!.AsArray();
        Assert.Equal(new[] { "failed", "done" }, state.Select(t => t!["state"]!.GetValue<string>()));
        Assert.Contains("the worker process ended during the trial", File.ReadAllText(Path.Combine(SweepFolder(runs), "trials", "trial-000", "log.txt")));
    }

    /// <summary>The pid of the <c>forge sweep worker</c> that has a file under <paramref name="folder"/> open, once it has logged a step.</summary>
    private static async Task<int> WaitForWorkerWriting(string folder, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var proc in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsDigit)))
            {
                try
                {
                    var cmdline = File.ReadAllText($"/proc/{proc}/cmdline");
                    if (!cmdline.Contains("sweep\0worker", StringComparison.Ordinal))
                        continue;
                    var open = Directory.GetFiles($"/proc/{proc}/fd").Select(fd => new FileInfo(fd).LinkTarget).FirstOrDefault(t => t?.StartsWith(folder, StringComparison.Ordinal) == true && t.EndsWith("log.txt", StringComparison.Ordinal));
                    if (open is not null && File.ReadAllText(open).Contains("step ", StringComparison.Ordinal))
                        return int.Parse(proc!, System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // the process ended or is not ours
                }
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"no sweep worker wrote a step under {folder}");
    }
}
