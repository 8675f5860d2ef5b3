using Forge.Core.Composition;
using Forge.Core.Diagnostics;
using Forge.Core.Specs;

namespace Forge.Core.Training.Observers;

/// <summary>
/// Per-layer diagnostics (<c>metrics.layers</c>): measures the update after the first and every interval with
/// <see cref="LayerDiagnostics"/>, from inside the update, and writes each record to <c>layers.jsonl</c> (and to
/// <paramref name="measured"/>, the telemetry's per-layer gauges). Other updates pay nothing.
/// </summary>
public sealed class LayerDiagnosticsObserver(Experiment experiment, LayerDiagnosticsOptions options, string runFolder, Action<LayerRecord>? measured = null)
    : ITrainingObserver, IStepProbeSource, IDisposable
{
    private readonly LayerDiagnostics _diagnostics = new(experiment, options);
    private readonly JsonLinesFile _file = new(Path.Combine(runFolder, MetricFiles.Layers));
    private readonly Action<LayerRecord>? _measured = measured;

    public IStepProbe? Probe(StepPlan plan) => _diagnostics.IsDue(plan.Step) ? new MeasuredUpdate(this, _diagnostics.Begin()) : null;

    public void Dispose()
    {
        _diagnostics.Dispose();
        _file.Dispose();
    }

    private sealed class MeasuredUpdate(LayerDiagnosticsObserver owner, LayerDiagnostics.Measurement measurement) : IStepProbe
    {
        public void ForwardDone() => measurement.ForwardDone();

        public void GradientsReady() => measurement.GradientsReady();

        public void UpdateApplied(int step)
        {
            var record = measurement.Finish(step);
            owner._file.Append(record);
            owner._measured?.Invoke(record);
        }

        public void Dispose() => measurement.Dispose();
    }
}
