using Forge.Abstractions.Precision;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Telemetry;
using Forge.Core.Training;
using Forge.Core.Training.Observers;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Runs;

/// <summary>
/// The observers of a run, in their order: those that add fields to a logged step's record first (fp8 rounding, role
/// statistics, the spec's callbacks), then those that write or show it (metrics.jsonl, per-layer diagnostics,
/// telemetry, progress), then checkpoints, which save the state after everything else has seen the step.
/// </summary>
public sealed class RunObservers : IDisposable
{
    private readonly MetricsFileObserver _metricsFile;
    private readonly LayerDiagnosticsObserver? _layers;

    public RunObservers(Experiment experiment, string runFolder, CheckpointStore store, TrainingMetrics telemetry, IProgress<ProgressUpdate> progress, ILogger logger)
    {
        var layerOptions = experiment.Spec.Settings.Metrics.Layers;
        Rounding = experiment.Precision is IRoundingStatistics statistics ? new RoundingObserver(statistics) : null;
        Callbacks = new CallbackObserver(experiment, runFolder);
        Checkpoints = new CheckpointObserver(store, new[] { Callbacks }, logger, telemetry.Checkpointed);
        _metricsFile = new MetricsFileObserver(runFolder);
        try
        {
            _layers = layerOptions.Interval > 0 ? new LayerDiagnosticsObserver(experiment, layerOptions, runFolder, telemetry.Layers) : null;
        }
        catch
        {
            _metricsFile.Dispose();
            throw;
        }
        All = new TrainingObservers(new ITrainingObserver?[]
        {
            Rounding, new RoleStatisticsObserver(), Callbacks,
            _metricsFile, _layers, new TelemetryObserver(telemetry), new ProgressObserver(progress),
            Checkpoints,
        }.OfType<ITrainingObserver>().ToList());
    }

    public TrainingObservers All { get; }

    /// <summary>Under a rounding precision policy: its statistics (null otherwise).</summary>
    public RoundingObserver? Rounding { get; }

    public CheckpointObserver Checkpoints { get; }

    public CallbackObserver Callbacks { get; }

    public void Dispose()
    {
        _metricsFile.Dispose();
        _layers?.Dispose();
    }
}
