using System.Diagnostics;
using System.Globalization;
using Forge.Core.Plugins;

namespace Forge.Sweeps;

/// <summary>
/// Runs a sweep's unfinished trials (pending, failed, or running when the sweep was interrupted) in parallel, each a
/// <c>forge run</c> of the spec with the trial's overrides and its share of the CPU threads, its output in the trial's
/// <c>log.txt</c>. With <paramref name="reuseWorkers"/> (see <see cref="WorkerReuse"/>) trials go to long-lived worker
/// processes (<see cref="SweepWorker"/>) that run one trial after another, otherwise each to a fresh process. State is saved as trials start and
/// end; failures are reported as they happen.
/// </summary>
public sealed class SweepRunner(TextWriter output, TextWriter error, bool reuseWorkers, Action<TrialRecord, TrialProgress>? onProgress = null)
{
    /// <param name="schedule">What runs next (default: the unsettled trials, each once, in order).</param>
    public async Task RunAsync(string folder, SweepState state, int parallel, bool failFast, CancellationToken cancellationToken, ITrialSchedule? schedule = null)
    {
        schedule ??= new ITrialSchedule.InOrder(state.Unsettled);
        int threads = Math.Max(1, Environment.ProcessorCount / parallel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var workers = reuseWorkers ? new WorkerPool() : null;
        var running = new Dictionary<Task, TrialRecord>();
        int finished = 0;

        async Task RunOneAsync(TrialRecord trial)
        {
            try
            {
                trial.State = TrialState.Running;
                trial.Error = null;
                await state.SaveAsync(folder);
                double earlier = trial.Rung is > 0 ? trial.WallSeconds ?? 0 : 0; // a promoted trial's wall time adds up over its rungs
                var (exitCode, seconds, lastError) = workers is null
                    ? await RunTrialAsync(folder, state, trial, threads, stop.Token)
                    : await RunTrialInWorkerAsync(workers, folder, state, trial, threads, stop.Token);
                trial.ExitCode = exitCode;
                trial.WallSeconds = earlier + seconds;
                if (stop.IsCancellationRequested && exitCode != 0)
                {
                    trial.State = TrialState.Pending; // stopped by us: run it again on resume
                    return;
                }
                trial.State = exitCode == 0 ? TrialState.Done : TrialState.Failed;
                trial.Error = exitCode == 0 ? null : lastError ?? $"exit code {exitCode}";
                schedule.Ended(trial);
                await TrialReport.WriteAsync(output, error, folder, trial, Interlocked.Increment(ref finished), schedule.Planned);
                if (exitCode != 0 && failFast)
                    await stop.CancelAsync();
            }
            catch (OperationCanceledException)
            {
                trial.State = TrialState.Pending;
            }
            finally
            {
                await state.SaveAsync(folder);
            }
        }

        // Each free slot asks the schedule for a trial; a schedule may have none until a running trial ends.
        while (true)
        {
            while (!stop.IsCancellationRequested && running.Count < parallel && schedule.Next(state.Trials, t => running.ContainsValue(t)) is { } next)
                running.Add(RunOneAsync(next), next);
            if (running.Count == 0)
                break;
            running.Remove(await Task.WhenAny(running.Keys));
        }
    }

    private async Task<(int ExitCode, double Seconds, string? LastError)> RunTrialInWorkerAsync(WorkerPool workers, string folder, SweepState state, TrialRecord trial, int threads, CancellationToken cancellationToken)
    {
        var runFolder = Path.Combine(folder, trial.RunFolder);
        Directory.CreateDirectory(runFolder);
        var request = TrialRequest.For(folder, state, trial, threads);
        var clock = Stopwatch.StartNew();
        var worker = await workers.TakeAsync();
        TrialOutcome outcome;
        try
        {
            outcome = await TrialStatus.RecordAsync(trial, runFolder, () => worker.RunAsync(request, line => Inspect(trial, line), cancellationToken));
        }
        catch (OperationCanceledException)
        {
            await worker.DisposeAsync(); // killed by the cancellation
            throw;
        }
        if (worker.Alive)
            workers.Return(worker);
        else
        {
            await File.AppendAllTextAsync(Path.Combine(runFolder, "log.txt"), $"error: {outcome.LastError}{Environment.NewLine}", CancellationToken.None);
            await worker.DisposeAsync();
        }
        return (outcome.ExitCode, clock.Elapsed.TotalSeconds, outcome.LastError);
    }

    private void Inspect(TrialRecord trial, string line)
    {
        if (onProgress is not null && TrialProgress.TryParse(line) is { } progress)
            onProgress(trial, progress);
    }

    /// <summary>A fresh process per trial: <c>forge trial run SWEEP_DIR --index N</c>, the entry point every launcher uses (it writes the trial's log and status).</summary>
    private async Task<(int ExitCode, double Seconds, string? LastError)> RunTrialAsync(string folder, SweepState state, TrialRecord trial, int threads, CancellationToken cancellationToken)
    {
        int index = state.Trials.IndexOf(trial);
        var arguments = new List<string> { "trial", "run", folder, "--index", index.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) };
        foreach (var plugin in PluginSearchPath.CommandLine.Select(Path.GetFullPath))
            arguments.AddRange(new[] { "--plugins", plugin });
        var start = ForgeExecutable.Start(arguments);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start a worker process.");
        string? lastError = null;
        var outTask = Pump(process.StandardOutput, line => Inspect(trial, line));
        var errTask = Pump(process.StandardError, line => lastError = TrialOutcome.ErrorIn(line) ?? lastError);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await Task.WhenAll(outTask, errTask);
        var recorded = TrialStatus.Read(Path.Combine(folder, trial.RunFolder));
        return (process.ExitCode, clock.Elapsed.TotalSeconds, recorded?.Error ?? lastError);
    }

    private static async Task Pump(StreamReader reader, Action<string> inspect)
    {
        while (await reader.ReadLineAsync() is { } line)
            inspect(line);
    }
}
