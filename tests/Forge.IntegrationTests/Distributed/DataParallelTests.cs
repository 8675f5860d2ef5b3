using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Distributed;

/// <summary>
/// Data parallelism on Open MPI: <c>mpirun -np 2 forge run</c> trains the model one process trains, rank 0 owns the
/// run folder, a lost rank ends the job with its name, and the same command resumes bit for bit. Runs in CI (.ci/run
/// installs openmpi-bin); skipped, saying so, where mpirun is missing.
/// </summary>
public class DataParallelTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    [RequiresMpiTheory]
    [InlineData("sp", "fp32")]
    [InlineData("mup", "fp32")]
    [InlineData("umup", "fp32")]
    [InlineData("sp", "bf16")]
    [InlineData("mup", "bf16")]
    [InlineData("umup", "bf16")]
    public async Task Two_ranks_train_what_one_process_trains_with_two_micro_batches_exactly_and_the_whole_batch_closely(string parametrization, string precision)
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 20, parametrization).With("training.batchSize=8", $"precision={precision}", "training.logInterval=1", "checkpoint=none");
        if (parametrization == "umup")
            spec = spec.With("optimizer.lr=0.5");
        var path = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "ranks");

        var (code, output) = await MpiJob.RunAsync(2, 2 * Minute, "run", path, "--runs", runs, "--plain");

        Assert.True(code == 0, output);
        Assert.Contains("rank 0 of 2", output);
        Assert.Contains("rank 1 of 2", output);
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt"))); // rank 0 alone writes a run folder
        var ranks = LossCurves.Read(folder);
        var micro = await InProcess(dir, spec.With("training.microBatches=2"), "micro");
        var whole = await InProcess(dir, spec, "whole");

        Assert.Equal(20, ranks.Count);
        Assert.Equal(micro, ranks); // the same parts summed in the same order: bit for bit
        double tolerance = precision == "fp32" ? 1e-5 : 2 * LossCurves.WorstRelative(await InProcess(dir, spec.With("precision=fp32"), "fp32"), whole); // bf16: MicroBatchTests says why
        Assert.True(LossCurves.WorstRelative(ranks, whole) <= tolerance, $"2 ranks: {LossCurves.WorstRelative(ranks, whole):E2} from one process's losses (tolerance {tolerance:E2})");
    }

    [RequiresMpiFact]
    public async Task A_killed_rank_ends_the_job_naming_it_and_the_same_command_resumes_bit_for_bit()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 1500).With("training.batchSize=8", "training.logInterval=50", "checkpoint={\"interval\":100}");
        var path = dir.File("spec.json", spec.ToJsonString());
        var reference = Path.Combine(dir.Path, "reference");
        var runs = Path.Combine(dir.Path, "runs");
        var (referenceCode, referenceOutput) = await MpiJob.RunAsync(2, 3 * Minute, "run", path, "--runs", reference, "--plain");
        Assert.True(referenceCode == 0, referenceOutput);
        var expected = LossCurves.Read(Assert.Single(Directory.GetDirectories(Path.Combine(reference, "test-gpt"))));

        using (var job = MpiJob.Start(2, "run", path, "--runs", runs, "--plain"))
        {
            await job.WaitUntilAsync(() => Directory.Exists(Path.Combine(runs, "test-gpt")) && Directory.GetDirectories(Path.Combine(runs, "test-gpt"))
                .Any(f => Directory.Exists(Path.Combine(f, "checkpoints", "step-00000200"))), "the checkpoint at step 200");
            var pid = int.Parse(Regex.Match(job.Output, @"rank 1 of 2 \(pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            var killed = DateTime.UtcNow;
            System.Diagnostics.Process.GetProcessById(pid).Kill();
            int code = await job.WaitAsync(Minute);
            Assert.True(DateTime.UtcNow - killed < Minute);
            Assert.NotEqual(0, code);
            Assert.Matches(@"process rank 1 .*signal 9", job.Output); // mpirun names the lost rank
        }
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("dotnet"), p => CommandLine(p.Id).Contains(path)); // nothing left in a collective

        var (resumedCode, resumedOutput) = await MpiJob.RunAsync(2, 3 * Minute, "run", path, "--runs", runs, "--plain");
        Assert.True(resumedCode == 0, resumedOutput);
        Assert.Contains("resuming from", resumedOutput);
        var resumed = LossCurves.Read(Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt"))));
        Assert.Equal(expected, resumed); // every logged loss, before the kill and after the resume, bit for bit
    }

    [RequiresMpiFact]
    public async Task A_two_rank_checkpoint_resumes_in_one_process_with_a_warning()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 3000).With("training.batchSize=8", "training.logInterval=50", "checkpoint={\"interval\":1000}");
        var path = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        using (var job = MpiJob.Start(2, "run", path, "--runs", runs, "--plain"))
        {
            await job.WaitUntilAsync(() => job.Output.Contains("step 100/3000"), "step 100");
            job.Signal("TERM");
            await job.WaitAsync(Minute);
        }

        var result = await CliRunner.RunAsync("run", path, "--runs", runs, "--plain");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("resuming from", result.Output);
        Assert.Contains("resuming a checkpoint trained by 2 rank(s) with 1", result.Error);
    }

    /// <summary>
    /// A stop signal to mpirun: every rank finishes the same step and rank 0 checkpoints it. SIGUSR1 is forwarded as
    /// it is, so the job exits with Forge's 130. SIGTERM mpirun follows with SIGKILL a second later
    /// (<c>odls_base_sigkill_timeout</c>) and exits with its own status: when the step, the checkpoint and the summary
    /// do not fit in that second on a busy machine, rank 0 dies before its summary, which Open MPI, not Forge,
    /// decides, so for TERM the test checks the summary and checkpoint only when the summary was written.
    /// </summary>
    [RequiresMpiTheory]
    [InlineData("TERM")]
    [InlineData("USR1")]
    public async Task A_stop_signal_to_mpirun_stops_every_rank_after_the_same_step_and_rank_0_checkpoints_it(string signal)
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 3000).With("training.batchSize=8", "training.logInterval=50", "checkpoint={\"interval\":1000}");
        var path = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        using var job = MpiJob.Start(2, "run", path, "--runs", runs, "--plain");
        await job.WaitUntilAsync(() => job.Output.Contains("step 200/3000"), "step 200");

        job.Signal(signal);
        int code = await job.WaitAsync(Minute);

        if (signal == "USR1")
            Assert.True(code == 130, job.Output);
        else
            Assert.NotEqual(0, code);
        Assert.Equal(2, Regex.Matches(job.Output, $"SIG{signal}: stopping after the current step").Count); // every rank heard it
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt")));
        if (signal == "TERM" && !File.Exists(Path.Combine(folder, "summary.json")))
            return; // Open MPI's SIGKILL came first
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        Assert.Equal("interrupted", summary["status"]!.GetValue<string>());
        int steps = summary["steps"]!.GetValue<int>();
        Assert.InRange(steps, 200, 2999);
        Assert.True(Directory.Exists(Path.Combine(folder, "checkpoints", $"step-{steps:D8}")), $"no checkpoint at step {steps}:\n{job.Output}");
    }

    /// <summary>
    /// training.sync: the ranks train apart between synchronisations, and a checkpoint taken between two of them (step
    /// 10, synchronising every 4) holds every rank's own state, so a run started from it continues bit for bit.
    /// </summary>
    [RequiresMpiTheory]
    [InlineData("average")]
    [InlineData("nesterov")]
    public async Task Ranks_that_synchronise_their_parameters_every_few_steps_train_apart_and_resume_between_synchronisations_bit_for_bit(string outer)
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 40).With("training.batchSize=8", "training.logInterval=2", $"training.sync={{\"every\":4,\"outer\":\"{outer}\",\"outerLr\":0.5,\"outerMomentum\":0.5}}",
            "checkpoint={\"interval\":10,\"keepLast\":10}");
        var path = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");

        var (code, output) = await MpiJob.RunAsync(2, 2 * Minute, "run", path, "--runs", runs, "--plain");

        Assert.True(code == 0, output);
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt")));
        var losses = LossCurves.Read(folder);
        Assert.Equal(20, losses.Count);
        Assert.True(losses[^1] < losses[0] - 0.3, $"{outer}: {losses[0]} → {losses[^1]}");
        var plain = await InProcess(dir, TestSpecs.Gpt(32, 40).With("training.batchSize=8", "training.logInterval=2"), "plain");
        Assert.NotEqual(plain, losses); // the ranks did train apart between synchronisations

        var checkpoint = Path.Combine(folder, "checkpoints", "step-00000010");
        using (var saved = Forge.Core.Checkpoints.CheckpointStore.Load(checkpoint))
            Assert.Contains(saved.Callbacks.Keys, k => k.StartsWith("sync.rank1.optimizer.", StringComparison.Ordinal));
        var resumedRuns = Path.Combine(dir.Path, "resumed");
        var (resumedCode, resumedOutput) = await MpiJob.RunAsync(2, 2 * Minute, "run", path, "--runs", resumedRuns, "--plain", "--resume", checkpoint);
        Assert.True(resumedCode == 0, resumedOutput);
        var resumed = LossCurves.Read(Assert.Single(Directory.GetDirectories(Path.Combine(resumedRuns, "test-gpt"))));
        Assert.Equal(losses.Skip(5), resumed); // steps 12 to 40, bit for bit
    }

    /// <summary>
    /// A rank stopped (SIGSTOP) is alive to the launcher, so mpirun does not end the job: the other rank's watchdog
    /// does, after distributedTimeoutSeconds in its all-reduce, with a message, and kills nothing that is not its job's.
    /// </summary>
    [RequiresMpiFact]
    public async Task A_rank_that_stops_answering_makes_the_other_end_the_job_after_distributed_timeout_seconds()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, 100000).With("training.batchSize=8", "training.logInterval=50", "checkpoint=none", "distributedTimeoutSeconds=5");
        var path = dir.File("spec.json", spec.ToJsonString());
        using var job = MpiJob.Start(2, "run", path, "--runs", Path.Combine(dir.Path, "runs"), "--plain");
        await job.WaitUntilAsync(() => job.Output.Contains("step 100/100000"), "step 100");
        var pid = int.Parse(Regex.Match(job.Output, @"rank 1 of 2 \(pid (\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var stopped = DateTime.UtcNow;
        System.Diagnostics.Process.Start("kill", $"-STOP {pid}")!.WaitForExit();
        int code = await job.WaitAsync(Minute);

        var waited = DateTime.UtcNow - stopped;
        Assert.True(waited >= TimeSpan.FromSeconds(5) && waited < TimeSpan.FromSeconds(40), $"the job ended {waited.TotalSeconds:F0} s after rank 1 stopped");
        Assert.NotEqual(0, code);
        Assert.Matches(@"rank 0 of 2 has waited \d+ s in MPI_Allreduce for the other ranks, longer than distributedTimeoutSeconds \(5 s\)", job.Output);
        Assert.DoesNotContain("   at ", job.Output); // a message, not a stack trace
        Assert.DoesNotContain(System.Diagnostics.Process.GetProcessesByName("dotnet"), p => CommandLine(p.Id).Contains(path)); // nothing left waiting
    }

    [RequiresMpiFact]
    public async Task A_rank_that_fails_alone_ends_the_job_instead_of_leaving_the_others_waiting()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(32, 200).With("training.batchSize=8").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        using var job = MpiJob.StartRanks(
            new[] { "run", path, "--runs", runs, "--plain" },
            new[] { "run", path, "--runs", runs, "--plain", "--set", "training.batchSize=7" }); // rank 1 alone cannot split its batch

        int code = await job.WaitAsync(Minute);

        Assert.Equal(2, code);
        Assert.Contains("training.batchSize 7 does not split into 2 ranks", job.Output);
    }

    [Fact]
    public async Task Asking_for_mpi_without_libmpi_is_an_error_naming_the_package()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(32, 2).With("distributed=mpi").ToJsonString());
        using var forge = ForgeProcess.Start(new Dictionary<string, string> { ["FORGE_MPI_LIBRARY"] = Path.Combine(dir.Path, "libmpi-missing.so") },
            "run", path, "--runs", Path.Combine(dir.Path, "runs"), "--plain");
        int code = await forge.WaitAsync(Minute);
        Assert.Equal(2, code);
        Assert.Contains("distributed", forge.Output);
        Assert.Contains("apt-get install openmpi-bin", forge.Output);
        Assert.DoesNotContain("   at ", forge.Output); // a message, not a stack trace
    }

    private static async Task<List<double>> InProcess(TempDirectory dir, JsonObject spec, string name)
    {
        var runs = Path.Combine(dir.Path, name);
        var result = await CliRunner.RunAsync("run", dir.File($"{name}.json", spec.ToJsonString()), "--runs", runs, "--plain");
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        return LossCurves.Read(Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt"))));
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }
}
