using System.Diagnostics.Metrics;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Runs;
using Forge.Core.Specs;
using Forge.Core.Telemetry;
using Forge.Core.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Forge.Tests.Support;

/// <summary>How a test's training ended: the loop's outcome and what the run's observers counted.</summary>
internal sealed record TrainedRun(LoopOutcome Outcome, int CheckpointFailures, RoundingSummary? Rounding, IReadOnlyDictionary<string, double> Reported)
{
    public RunStatus Status => Outcome.Status;
    public TrainingPosition Position => Outcome.Position;
    public int Steps => Outcome.Steps;
    public string? Error => Outcome.Error;
    public IReadOnlyList<string>? NonFiniteTensors => Outcome.NonFiniteTensors;
}

/// <summary>
/// Trains an experiment in-process with the loop and the observers <c>forge run</c> gives it (<see cref="RunObservers"/>:
/// metrics.jsonl and layers.jsonl into a folder, telemetry, progress, checkpoints when a store is given, callbacks),
/// without a run folder's bookkeeping, for tests that look at the loop directly.
/// </summary>
internal static class TestTraining
{
    /// <param name="experiment">What to train.</param>
    /// <param name="folder">Where metrics.jsonl (and layers.jsonl) go; also the callbacks' run folder.</param>
    /// <param name="checkpoints">Where checkpoints go (none when null).</param>
    /// <param name="resumeFrom">A checkpoint to resume from.</param>
    /// <param name="progress">Sees every logged step.</param>
    public static TrainedRun Run(Experiment experiment, string folder, CancellationToken cancellationToken = default, CheckpointStore? checkpoints = null,
        LoadedCheckpoint? resumeFrom = null, IProgress<ProgressUpdate>? progress = null)
    {
        Directory.CreateDirectory(folder);
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new TrainingMetrics(meters.GetRequiredService<IMeterFactory>(), RunIdentity.Detached("test"));
        var store = checkpoints ?? new CheckpointStore(folder, new CheckpointOptions { Enabled = false });
        var logger = NullLogger.Instance;
        using var observers = new RunObservers(experiment, folder, store, telemetry, progress ?? new ProgressTo(_ => { }), logger);
        var loop = new TrainingLoop(NullLogger<TrainingLoop>.Instance);
        var outcome = loop.Run(experiment, observers.All, new DivergenceGuard(experiment.Spec.Settings.Guard, store, logger), cancellationToken, resumeFrom);
        return new TrainedRun(outcome, observers.Checkpoints.Failures, observers.Rounding?.Last, observers.Callbacks.Reported);
    }

    /// <summary>The lines of <c>metrics.jsonl</c> in <paramref name="folder"/>.</summary>
    public static string MetricsPath(string folder) => Path.Combine(folder, MetricFiles.Metrics);
}

/// <summary>Calls <paramref name="report"/> for every logged step, on the training thread.</summary>
internal sealed class ProgressTo(Action<ProgressUpdate> report) : IProgress<ProgressUpdate>
{
    public void Report(ProgressUpdate value) => report(value);
}
