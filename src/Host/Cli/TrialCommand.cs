using Forge.Host.Specs;
using Forge.Host.Sweeps;

namespace Forge.Host.Cli;

/// <summary>
/// <c>forge trial run SWEEP_DIR --index N</c>: the entry point every launcher can run (a local process, a Slurm array
/// task, a Kubernetes indexed pod). It runs trial N of the sweep exactly as <c>forge sweep</c> does (the spec, the
/// sweep's and the trial's overrides, the run folder <c>trials/ID</c>, output in its <c>log.txt</c>) and records the
/// outcome in <c>trials/ID/status.json</c>; its exit code is the run's.
/// </summary>
internal sealed class TrialCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> RunAsync(string folder, int index, int threads, bool skipDone, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            folder = Path.GetFullPath(folder);
            var state = await SweepState.LoadAsync(folder, cancellationToken);
            if (index < 0 || index >= state.Trials.Count)
                throw new SpecException(Path.Combine(folder, SweepState.FileName), new SpecProblem("",
                    $"has trials 0 to {state.Trials.Count - 1}, so --index {index} names none; give an index in that range."));
            var trial = state.Trials[index];
            var request = TrialRequest.For(folder, state, trial, threads > 0 ? threads : ThreadsGranted());
            if (skipDone && (trial.State == TrialState.Done || TrialStatus.Read(request.RunFolder)?.State == TrialState.Done))
            {
                await Output.WriteLineAsync($"{trial.Id} is done; skipped.");
                return ExitCodes.Success;
            }
            Directory.CreateDirectory(request.RunFolder);
            // The run's own output lines go on to this process's output too, so a parent (the local launcher) sees progress.
            var outcome = await TrialStatus.RecordAsync(trial, request.RunFolder,
                () => SweepWorker.RunTrialAsync(request, line => Output.WriteLine(line), cancellationToken));
            if (outcome.ExitCode != 0)
                await Error.WriteLineAsync($"error: {trial.Id} failed (exit {outcome.ExitCode}): {outcome.LastError ?? "see its log"}");
            return outcome.ExitCode;
        });

    /// <summary>The CPUs a scheduler granted this task (Slurm's <c>SLURM_CPUS_PER_TASK</c>), otherwise every core this process may use.</summary>
    private static int ThreadsGranted() =>
        int.TryParse(Environment.GetEnvironmentVariable("SLURM_CPUS_PER_TASK"), out int cpus) && cpus > 0 ? cpus : Environment.ProcessorCount;
}
