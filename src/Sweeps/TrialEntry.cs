using Forge.Core.Errors;

namespace Forge.Sweeps;

/// <summary>
/// <c>forge trial run SWEEP_DIR --index N</c>: the entry point every launcher can run (a local process, a Slurm array
/// task, a Kubernetes indexed pod). It runs trial N of the sweep exactly as <c>forge sweep</c> does (the spec, the
/// sweep's and the trial's overrides, the run folder <c>trials/ID</c>, output in its <c>log.txt</c>) and records the
/// outcome in <c>trials/ID/status.json</c>; its exit code is the run's.
/// </summary>
public static class TrialEntry
{
    /// <param name="threads">CPU threads; 0 takes what a scheduler granted (<c>SLURM_CPUS_PER_TASK</c>) or every core this process may use.</param>
    /// <param name="skipDone">Exit at once, successfully, when the trial is already done.</param>
    /// <param name="output">Where the run's output lines go too (a parent process reads progress from them).</param>
    public static async Task<(string Trial, TrialOutcome Outcome)> RunAsync(string folder, int index, int threads, bool skipDone, TextWriter output, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        var state = await SweepState.LoadAsync(folder, cancellationToken);
        if (index < 0 || index >= state.Trials.Count)
            throw new SpecException(Path.Combine(folder, SweepState.FileName), new SpecProblem("",
                $"has trials 0 to {state.Trials.Count - 1}, so --index {index} names none; give an index in that range."));
        var trial = state.Trials[index];
        var request = TrialRequest.For(folder, state, trial, threads > 0 ? threads : ThreadsGranted());
        if (skipDone && (trial.State == TrialState.Done || TrialStatus.Read(request.RunFolder) is { State: TrialState.Done } status && status.IsOf(trial)))
        {
            await output.WriteLineAsync($"{trial.Id} is done; skipped.");
            return (trial.Id, new TrialOutcome(ExitCodes.Success, null));
        }
        Directory.CreateDirectory(request.RunFolder);
        Task<TrialOutcome> Run() => TrialExecution.RunAsync(request, line =>
        {
            lock (output)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }, cancellationToken);
        // A data-parallel trial (sweep.slurm.tasksPerTrial): rank 0 records the outcome; the other ranks only train.
        var outcome = Forge.Core.Distributed.Collectives.LaunchedRank() == 0 ? await TrialStatus.RecordAsync(trial, request.RunFolder, Run) : await Run();
        return (trial.Id, outcome);
    }

    /// <summary>The CPUs a scheduler granted this task (Slurm's <c>SLURM_CPUS_PER_TASK</c>), otherwise every core this process may use.</summary>
    private static int ThreadsGranted() =>
        int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out int cpus) && cpus > 0 ? cpus : Environment.ProcessorCount;
}
