using System.Diagnostics;
using System.Globalization;
using System.Text;
using Forge.Core.Errors;
using Forge.Core.Files;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// Runs a sweep's unfinished trials as one Slurm job array: renders <c>slurm/array.sbatch</c> into the sweep folder
/// (each task runs <c>forge trial run SWEEP_DIR --index $SLURM_ARRAY_TASK_ID</c> with the resources of
/// <c>sweep.slurm</c>), submits it with <c>sbatch --array=I,J,...%P</c>, polls <c>squeue</c> until the array has left
/// the queue, and reads each trial's outcome from its <c>trials/ID/status.json</c>. A task that left no outcome (killed,
/// out of time or memory) is a failed trial that names its Slurm output file. <c>forge sweep resume</c> submits the
/// trials that are not done again.
/// </summary>
public sealed class SlurmLauncher(TextWriter output, TextWriter error, SlurmOptions options)
{
    public const string ScriptFile = "array.sbatch";

    /// <param name="trials">The trials to run (default: every unsettled one).</param>
    public async Task RunAsync(string folder, SweepState state, int parallel, CancellationToken cancellationToken, IReadOnlyList<TrialRecord>? trials = null)
    {
        var unsettled = trials ?? state.Unsettled;
        var todo = state.Trials.Select((trial, index) => (Trial: trial, Index: index)).Where(t => unsettled.Contains(t.Trial)).ToList();
        if (todo.Count == 0)
            return;
        var slurmFolder = Path.Combine(folder, "slurm");
        Directory.CreateDirectory(slurmFolder);
        var script = Path.Combine(slurmFolder, ScriptFile);
        await AtomicFile.WriteAllTextAsync(script, Render(folder, slurmFolder), cancellationToken);
        foreach (var (trial, _) in todo)
        {
            var runFolder = Path.Combine(folder, trial.RunFolder);
            Directory.CreateDirectory(runFolder);
            File.Delete(TrialStatus.PathIn(runFolder)); // an earlier attempt's outcome must not be read as this one's
            (trial.State, trial.Error, trial.ExitCode) = (TrialState.Running, null, null);
        }
        await state.SaveAsync(folder);

        var array = string.Join(",", todo.Select(t => t.Index.ToString(CultureInfo.InvariantCulture))) + "%" + parallel.ToString(CultureInfo.InvariantCulture);
        var jobId = (await RunAsync("sbatch", new[] { "--parsable", $"--array={array}", script }, CancellationToken.None)).Trim().Split(';')[0];
        await output.WriteLineAsync($"submitted Slurm job array {jobId} ({todo.Count} trials, {parallel} at a time): {script}");
        try
        {
            while ((await RunAsync("squeue", new[] { "-h", "-j", jobId, "-o", "%i" }, cancellationToken)).Trim().Length > 0)
                await Task.Delay(TimeSpan.FromSeconds(options.PollSeconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await RunAsync("scancel", new[] { jobId }, CancellationToken.None);
            await output.WriteLineAsync($"cancelled Slurm job {jobId}");
        }

        state.MergeTrialStatus(folder);
        int finished = 0;
        foreach (var (trial, index) in todo.Where(t => t.Trial.State == TrialState.Running)) // no outcome recorded
            (trial.State, trial.Error) = cancellationToken.IsCancellationRequested
                ? (TrialState.Pending, null) // stopped by us: run it again on resume
                : (TrialState.Failed, $"Slurm task {jobId}_{index} ended without recording an outcome (killed, out of time or memory?); see {Path.Combine(slurmFolder, $"task-{index}.out")}");
        foreach (var (trial, _) in todo.Where(t => t.Trial.State is TrialState.Done or TrialState.Failed))
            await TrialReport.WriteAsync(output, error, folder, trial, ++finished, todo.Count);
        await state.SaveAsync(folder);
    }

    /// <summary>The batch script: one array task per trial, its resources from <c>sweep.slurm</c>.</summary>
    public string Render(string folder, string slurmFolder)
    {
        var script = new StringBuilder();
        script.AppendLine("#!/bin/bash");
        script.AppendLine("# Written by forge sweep (launcher slurm): one array task per trial of this sweep.");
        script.AppendLine("#SBATCH --job-name=forge-sweep");
        script.AppendLine($"#SBATCH --output={Path.Combine(slurmFolder, "task-%a.out")}");
        script.AppendLine(string.Create(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}"));
        script.AppendLine($"#SBATCH --mem={options.Memory}");
        script.AppendLine($"#SBATCH --time={options.Time}");
        if (options.Partition is { Length: > 0 } partition)
            script.AppendLine($"#SBATCH --partition={partition}");
        if (options.Account is { Length: > 0 } account)
            script.AppendLine($"#SBATCH --account={account}");
        if (options.Gres is { Length: > 0 } gres)
            script.AppendLine($"#SBATCH --gres={gres}");
        var trial = $"{Quote(ForgeExecutable.Dotnet)} {Quote(ForgeExecutable.ForgeAssembly)} trial run {Quote(folder)} --index \"$SLURM_ARRAY_TASK_ID\"";
        if (options.TasksPerTrial > 1)
        {
            // A data-parallel trial: Open MPI's mpirun takes the task's Slurm tasks (srun --mpi=pmix does not work with Debian 12's packages).
            script.Insert(script.ToString().IndexOf("#SBATCH --cpus-per-task", StringComparison.Ordinal),
                string.Create(CultureInfo.InvariantCulture, $"#SBATCH --ntasks={options.TasksPerTrial}\n"));
            if (Environment.UserName == "root")
                script.AppendLine("export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 # submitted as root, so the job runs as root");
            script.AppendLine(string.Create(CultureInfo.InvariantCulture, $"exec mpirun -np {options.TasksPerTrial} {trial}"));
        }
        else
            script.AppendLine($"exec {trial}");
        return script.ToString();
    }

    private static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>How long a Slurm command may take before Forge gives up on it (a controller that does not answer).</summary>
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs a Slurm command and returns its standard output; a missing command, a failure or no answer within
    /// <see cref="CommandTimeout"/> is a <see cref="RunSetupException"/>.
    /// </summary>
    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RunSetupException($"sweep.launcher is slurm, but Slurm's {program} cannot be run here ({e.Message}); run the sweep on a Slurm login node, or use --launcher local.", e);
        }
        using (process)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CommandTimeout);
            var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                if (cancellationToken.IsCancellationRequested)
                    throw;
                throw new RunSetupException($"{program} {string.Join(" ", arguments)} did not answer within {CommandTimeout.TotalMinutes:F0} minutes; check that Slurm's controller is reachable (scontrol ping), then run forge sweep resume.");
            }
            if (process.ExitCode != 0)
                throw new RunSetupException($"{program} {string.Join(" ", arguments)} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
            return await stdout;
        }
    }
}
