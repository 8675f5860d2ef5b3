using Forge.Sweeps;

namespace Forge.Cli.Commands;

/// <summary><c>forge trial run SWEEP_DIR --index N</c>: one trial of a sweep as <c>forge sweep</c> runs it (<see cref="TrialEntry"/>); its exit code is the run's.</summary>
internal sealed class TrialCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> RunAsync(string folder, int index, int threads, bool skipDone, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var (trial, outcome) = await TrialEntry.RunAsync(folder, index, threads, skipDone, Output, cancellationToken);
            if (outcome.ExitCode != 0)
                await Error.WriteLineAsync($"error: {trial} failed (exit {outcome.ExitCode}): {outcome.LastError ?? "see its log"}");
            return outcome.ExitCode;
        });
}
