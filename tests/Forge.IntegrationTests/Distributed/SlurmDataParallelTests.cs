using System.Diagnostics;
using System.Text.Json.Nodes;
using Forge.Sweeps;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Distributed;

/// <summary>
/// A data-parallel run inside a Slurm allocation (sbatch --ntasks 2, Open MPI's mpirun inside it, which takes the
/// allocation's tasks from Slurm) on the one-node CI cluster:
/// the batch script docs/guide/distributed.md gives, with this machine's paths.
/// </summary>
public class SlurmDataParallelTests
{
    [RequiresSlurmAndMpiFact]
    public async Task An_sbatch_job_of_two_tasks_trains_one_model_on_two_ranks()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("spec.json", TestSpecs.Gpt(32, 20).With("training.batchSize=8", "checkpoint=none").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        var log = Path.Combine(dir.Path, "job.out");
        var script = dir.File("train.sbatch", string.Join('\n',
            "#!/bin/bash",
            "#SBATCH --job-name=forge-data-parallel",
            "#SBATCH --ntasks=2",
            "#SBATCH --cpus-per-task=1",
            "#SBATCH --mem=2G",
            $"#SBATCH --output={log}",
            "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # CI runs as root",
            $"mpirun -np \"$SLURM_NTASKS\" '{ForgeExecutable.Dotnet}' '{ForgeExecutable.ForgeAssembly}' run '{spec}' --runs '{runs}' --plain",
            ""));
        using var sbatch = Process.Start(new ProcessStartInfo("sbatch", new[] { "--wait", script }) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await sbatch.WaitForExitAsync(timeout.Token);
        string output = File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no job output)";

        Assert.True(sbatch.ExitCode == 0, $"sbatch --wait exited {sbatch.ExitCode}: {await sbatch.StandardError.ReadToEndAsync()}\n{output}");
        Assert.Contains("rank 0 of 2", output);
        Assert.Contains("rank 1 of 2", output);
        Assert.Contains("1 thread", output); // each task's share of the two cores
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt")));
        Assert.Equal("completed", JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!["status"]!.GetValue<string>());
    }
}
