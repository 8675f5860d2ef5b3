using Forge.Core.Checkpoints;

namespace Forge.Core.Training;

/// <summary>
/// Something that watches the training loop and acts on what it sees (writes metrics.jsonl, exports telemetry, shows
/// progress, writes checkpoints, runs the spec's callbacks). The loop calls every observer, in the order it was given
/// them, at each event; every method does nothing unless the observer overrides it. Observers read values back from
/// the device only on the steps they act on (logged steps; per-layer diagnostics' measured steps; checkpoint steps),
/// so that other steps cost what they cost without them.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>The run's state was put back from a checkpoint: when a run resumes (before <see cref="Started"/>) and at a rollback.</summary>
    /// <param name="rollback">True for the divergence guard's rollback, false for a resumed run.</param>
    void Restored(LoopState state, LoadedCheckpoint checkpoint, bool rollback) { }

    /// <summary>Before the first update this process takes, after the initial evaluation (or the restore).</summary>
    void Started(LoopState state) { }

    /// <summary>Before update <paramref name="plan"/> runs.</summary>
    void StepStarting(StepPlan plan) { }

    /// <summary>The guard skipped update <paramref name="plan"/> (its loss or gradient was not finite); the position counts it.</summary>
    void UpdateSkipped(LoopState state, StepPlan plan, StepResult result) { }

    /// <summary>Update <paramref name="plan"/> was applied and the position counts it; on a logged step, before <see cref="Logged"/>.</summary>
    void UpdateApplied(LoopState state, StepPlan plan, StepResult result) { }

    /// <summary>A logged step: the metrics record (with every contributor's fields) and what goes with it.</summary>
    void Logged(LoggedStep step) { }

    /// <summary>The step is over (logged or not): the moment for interval work such as checkpoints.</summary>
    void StepEnded(LoopState state, StepPlan plan) { }

    /// <summary>The loop is about to end, completed or interrupted, at <paramref name="state"/>: the moment for the final checkpoint. A failure here fails the run.</summary>
    void Ending(LoopState state, RunStatus status) { }

    /// <summary>The loop ended (completed, diverged, interrupted or failed); <paramref name="state"/> is where it stopped.</summary>
    void Ended(LoopState state, LoopOutcome outcome) { }
}

/// <summary>An observer that watches inside updates: it may return a probe for an update (per-layer diagnostics).</summary>
public interface IStepProbeSource
{
    /// <summary>A probe for update <paramref name="plan"/>, or null when it does not measure that update.</summary>
    IStepProbe? Probe(StepPlan plan);
}

/// <summary>An observer that adds fields to the metrics record of a logged step, before the record is written and shown.</summary>
public interface IMetricsContributor
{
    /// <summary>The record with this contributor's fields added.</summary>
    MetricRecord Contribute(MetricRecord record, LoggedStepContext context);
}

/// <summary>What a contributor knows of a logged step.</summary>
/// <param name="State">The loop's state after the update.</param>
/// <param name="Plan">The update's plan (whether it evaluated).</param>
/// <param name="EvalLoss">The held-out loss measured after it, when it evaluated.</param>
public sealed record LoggedStepContext(LoopState State, StepPlan Plan, double? EvalLoss);

/// <summary>A logged step as observers see it.</summary>
/// <param name="State">The loop's state after the update.</param>
/// <param name="Plan">The update's plan.</param>
/// <param name="Record">The line of metrics.jsonl.</param>
/// <param name="PredictionsPerSecond">Predictions (tokens, or samples) per second over the last logging interval.</param>
/// <param name="GroupLearningRates">Each optimizer group's learning rate at this step, in group order.</param>
public sealed record LoggedStep(LoopState State, StepPlan Plan, MetricRecord Record, double PredictionsPerSecond, IReadOnlyList<double> GroupLearningRates);
