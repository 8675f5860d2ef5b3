using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Checkpoints;
using Forge.Core.Specs;

namespace Forge.IntegrationTests.Checkpoints;

/// <summary>Real signals and kills sent to a forge child process: nothing lost beyond the last checkpoint, nothing corrupt.</summary>
public class FaultTests
{
    private static List<double> Losses(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();

    private static int LoggedSteps(string runsRoot)
    {
        var metrics = Directory.Exists(runsRoot) ? Directory.GetFiles(runsRoot, "metrics.jsonl", SearchOption.AllDirectories).FirstOrDefault() : null;
        try
        {
            return metrics is null ? 0 : File.ReadAllLines(metrics).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The losses of the same spec trained without interruption, in-process.</summary>
    private static async Task<List<double>> UninterruptedLossesAsync(JsonObject spec)
    {
        using var dir = new TempDirectory();
        var result = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(result.ExitCode == 0, result.Error);
        return Losses(CliRunner.RunFolder(dir));
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("USR1")] // what mpirun forwards to its ranks, and Slurm's usual warning before a time limit
    public async Task Sigint_or_sigusr1_finishes_the_step_writes_a_checkpoint_and_the_summary_and_the_same_command_continues_the_run(string signal)
    {
        using var dir = new TempDirectory();
        // 2,000 short steps (seconds in all), so that a loaded test host that notices step 50 late still signals long
        // before the run could finish.
        var spec = TestSpecs.Gpt(32, steps: 2000).With("training.logInterval=10", "checkpoint.interval=0");
        var specPath = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        int code;
        using (var forge = ForgeProcess.Start("run", specPath, "--runs", runs, "--plain"))
        {
            await forge.WaitUntilAsync(() => LoggedSteps(runs) >= 5, "step 50");
            forge.Signal(signal);
            code = await forge.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.False(forge.Output.Contains("completed after 2000 steps", StringComparison.Ordinal), "the run finished before the signal arrived: the test host noticed step 50 too late");
            Assert.True(code == 130, forge.Output);
            Assert.Contains($"SIG{signal}: stopping after the current step", forge.Output);
        }
        var folder = CliRunner.RunFolder(dir);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        Assert.Equal("interrupted", summary["status"]!.GetValue<string>());
        int stoppedAt = summary["steps"]!.GetValue<int>();
        Assert.InRange(stoppedAt, 50, 1999);
        Assert.Equal(CheckpointStore.StepFolderName(stoppedAt), Path.GetFileName(summary["checkpoint"]!.GetValue<string>()));

        var resumed = await CliRunner.RunAsync("run", specPath, "--runs", runs, "--plain");

        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains($"resuming from {Path.Combine(folder, "checkpoints", CheckpointStore.StepFolderName(stoppedAt))} (step {stoppedAt} of 2000)", resumed.Output);
        Assert.Equal(folder, CliRunner.RunFolder(dir)); // the same run folder, continued
        Assert.Equal(await UninterruptedLossesAsync(spec), Losses(folder)); // bit for bit, every logged step
    }

    [Fact]
    public async Task A_second_signal_exits_at_once()
    {
        using var dir = new TempDirectory();
        // Steps of several seconds, so that the second signal lands in the step the first one is waiting for even when
        // the test host is slow to notice the first one (CI runs other tests beside it); otherwise the run could finish
        // its step and write its summary in between.
        var spec = TestSpecs.Gpt(256, steps: 100000).With("data.context=128", "training.batchSize=64", "training.logInterval=1", "checkpoint.interval=0");
        var runs = Path.Combine(dir.Path, "runs");
        using var forge = ForgeProcess.Start("run", dir.File("spec.json", spec.ToJsonString()), "--runs", runs, "--plain");
        await forge.WaitUntilAsync(() => LoggedSteps(runs) >= 1, "the first step");

        forge.Signal("TERM");
        await forge.WaitUntilAsync(() => forge.Output.Contains("stopping after the current step"), "the first signal to be seen");
        forge.Signal("TERM"); // during the step: two pending signals of one kind would merge into one
        int code = await forge.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(code == 131, forge.Output);
        Assert.Contains("exiting now", forge.Output);
        Assert.False(File.Exists(Path.Combine(CliRunner.RunFolder(dir), "summary.json")));
    }

    /// <summary>
    /// Kill -9 at random moments of a run that checkpoints every step: whatever a kill interrupts (a step, a file
    /// write, the rename), every checkpoint folder left behind loads and matches its hashes, and the run, resumed
    /// each time by the same command, ends with exactly the losses of an uninterrupted run.
    /// </summary>
    [Fact]
    public async Task Kill_9_at_random_moments_never_leaves_a_corrupt_checkpoint_and_resuming_loses_nothing()
    {
        using var dir = new TempDirectory();
        // Long enough that four processes, each killed a few steps in, cannot finish it, even when a loaded test host
        // notices the third step late and the process runs on meanwhile (300 steps once completed before the last kill,
        // so the next start began a new run instead of resuming).
        var spec = TestSpecs.Gpt(32, steps: 1000).With("training.logInterval=1", "checkpoint.interval=1", "checkpoint.keepLast=3");
        var specPath = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        var random = new Random();
        var delays = new List<int>();

        for (int kill = 0; kill < 4; kill++)
        {
            using var forge = ForgeProcess.Start("run", specPath, "--runs", runs, "--plain");
            // Three steps logged by this process: checkpoints exist (each is written right after its step's metrics line).
            await forge.WaitUntilAsync(() => forge.Output.Split('\n').Count(l => l.StartsWith("step ", StringComparison.Ordinal)) >= 3, "three steps");
            int delay = random.Next(0, 600);
            delays.Add(delay);
            await Task.Delay(delay);
            forge.KillHard();
            await forge.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.False(File.Exists(Path.Combine(CliRunner.RunFolder(dir), "summary.json")), $"the run completed before kill {kill + 1}: the test needs more steps");

            var store = new CheckpointStore(CliRunner.RunFolder(dir), new CheckpointOptions());
            foreach (var checkpoint in store.Folders())
                CheckpointStore.Load(checkpoint).Dispose(); // throws if a kill left a damaged checkpoint in place
        }
        // The last resume runs to the end in its own process too: in-process, the other tests' garbage collections can
        // finalize one of TorchSharp's implicit Scalars in the middle of a native call (dotnet/TorchSharp#1496).
        using (var finished = ForgeProcess.Start("run", specPath, "--runs", runs, "--plain"))
            Assert.True(await finished.WaitAsync(TimeSpan.FromSeconds(120)) == 0, finished.Output);

        Assert.True((await UninterruptedLossesAsync(spec)).SequenceEqual(Losses(CliRunner.RunFolder(dir))), $"losses differ after kills at {string.Join(", ", delays)} ms");
    }
}
