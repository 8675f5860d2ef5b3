using Forge.Core.Checkpoints;

namespace Forge.Core.Training;

/// <summary>The loop's observers in their order: every event goes to each in turn; probes and record fields are gathered from those that give them.</summary>
public sealed class TrainingObservers(IReadOnlyList<ITrainingObserver> observers) : ITrainingObserver
{
    private readonly IReadOnlyList<IStepProbeSource> _probeSources = observers.OfType<IStepProbeSource>().ToList();
    private readonly IReadOnlyList<IMetricsContributor> _contributors = observers.OfType<IMetricsContributor>().ToList();

    /// <summary>The probes the observers want inside update <paramref name="plan"/>, as one (null when none does).</summary>
    public IStepProbe? Probe(StepPlan plan)
    {
        if (_probeSources.Count == 0)
            return null; // every step: nothing to gather
        var probes = _probeSources.Select(s => s.Probe(plan)).OfType<IStepProbe>().ToList();
        return probes.Count switch { 0 => null, 1 => probes[0], _ => new Probes(probes) };
    }

    /// <summary>The record with every contributor's fields, in observer order.</summary>
    public MetricRecord Contribute(MetricRecord record, LoggedStepContext context) =>
        _contributors.Aggregate(record, (r, c) => c.Contribute(r, context));

    public void Restored(LoopState state, LoadedCheckpoint checkpoint, bool rollback)
    {
        foreach (var o in observers)
            o.Restored(state, checkpoint, rollback);
    }

    public void Started(LoopState state)
    {
        foreach (var o in observers)
            o.Started(state);
    }

    public void StepStarting(StepPlan plan)
    {
        foreach (var o in observers)
            o.StepStarting(plan);
    }

    public void UpdateSkipped(LoopState state, StepPlan plan, StepResult result)
    {
        foreach (var o in observers)
            o.UpdateSkipped(state, plan, result);
    }

    public void UpdateApplied(LoopState state, StepPlan plan, StepResult result)
    {
        foreach (var o in observers)
            o.UpdateApplied(state, plan, result);
    }

    public void Logged(LoggedStep step)
    {
        foreach (var o in observers)
            o.Logged(step);
    }

    public void StepEnded(LoopState state, StepPlan plan)
    {
        foreach (var o in observers)
            o.StepEnded(state, plan);
    }

    public void Ending(LoopState state, RunStatus status)
    {
        foreach (var o in observers)
            o.Ending(state, status);
    }

    public void Ended(LoopState state, LoopOutcome outcome)
    {
        foreach (var o in observers)
            o.Ended(state, outcome);
    }

    private sealed class Probes(IReadOnlyList<IStepProbe> probes) : IStepProbe
    {
        public void ForwardDone() { foreach (var p in probes) p.ForwardDone(); }
        public void GradientsReady() { foreach (var p in probes) p.GradientsReady(); }
        public void UpdateApplied(int step) { foreach (var p in probes) p.UpdateApplied(step); }
        public void Dispose() { foreach (var p in probes) p.Dispose(); }
    }
}
