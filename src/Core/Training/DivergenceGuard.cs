using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Specs;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>What the guard decided about an update whose loss or gradient was not finite.</summary>
public abstract record GuardDecision
{
    /// <summary>
    /// Leave the update out (it still counts as a step taken) and go on, or, with <paramref name="Diverged"/>, end the
    /// run after it: it was one skip too many in a row.
    /// </summary>
    public sealed record Skip(LoopOutcome? Diverged = null) : GuardDecision;

    /// <summary>Put the run back to <see cref="Checkpoint"/> with every learning rate cut, and go on from there.</summary>
    public sealed record RollBack(LoadedCheckpoint Checkpoint) : GuardDecision;

    /// <summary>End the run: it diverged.</summary>
    public sealed record Stop(LoopOutcome Outcome) : GuardDecision;
}

/// <summary>
/// The divergence guard (the spec's <c>guard</c> section) as a policy: what a NaN or infinite loss or gradient norm
/// means — stop (seen at logged steps, so it costs nothing per step), skip the update, or roll back to the newest
/// checkpoint with a lower learning rate (both check every step) — and loss-spike detection: a logged loss above
/// <c>spikeRatio</c> times the median of the previous <c>spikeWindow</c> logged losses (at least three) is a spike,
/// reported, not acted on.
/// </summary>
public sealed class DivergenceGuard(GuardOptions options, CheckpointStore? checkpoints, ILogger logger)
{
    private int _consecutiveSkips;

    /// <summary>Whether every update's loss and gradient norm must be checked (one read-back per step).</summary>
    public bool ChecksEveryStep => options.OnNonFinite != NonFinitePolicy.Stop;

    /// <summary>The decision for a checked update <paramref name="plan"/> that was not finite.</summary>
    public GuardDecision NonFiniteUpdate(LoopState state, StepPlan plan, StepResult result)
    {
        var position = state.Position;
        if (options.OnNonFinite == NonFinitePolicy.Rollback)
            return RollBack(state, plan.Step, result);
        position.SkippedUpdates++;
        logger.LogWarning("Skipped update {Step}: loss {Loss}, gradient norm {Norm} (guard.onNonFinite = skip; {Count} in a row).",
            plan.Step, result.Loss, result.GradientNorm, _consecutiveSkips + 1);
        if (++_consecutiveSkips < options.MaxConsecutiveSkips)
            return new GuardDecision.Skip();
        return new GuardDecision.Skip(new LoopOutcome(RunStatus.Diverged, position,
            $"Training diverged: {_consecutiveSkips} updates in a row were skipped for NaN/Inf (up to step {plan.Step}). Lower optimizer.lr or add warmup.")
        {
            NonFiniteTensors = NonFiniteTensors(state.Experiment),
        });
    }

    /// <summary>An update was applied: the count of skips in a row starts again.</summary>
    public void UpdateApplied() => _consecutiveSkips = 0;

    /// <summary>At a logged step: the outcome that ends the run when its loss or gradient norm is not finite, otherwise null.</summary>
    public LoopOutcome? LoggedValues(LoopState state, int step, float loss, float gradNorm)
    {
        if (float.IsFinite(loss) && float.IsFinite(gradNorm))
            return null;
        var tensors = NonFiniteTensors(state.Experiment);
        var culprits = tensors.Count == 0 ? "" : $" Non-finite gradients or weights in: {string.Join(", ", tensors.Take(8))}{(tensors.Count > 8 ? ", ..." : "")}.";
        var error = $"Training diverged at step {step}: loss {loss}, gradient norm {gradNorm}.{culprits} Lower optimizer.lr, add warmup (training.schedule.warmupSteps) or clipping (training.gradClip), or set guard.onNonFinite to skip or rollback.";
        logger.LogWarning("{Error}", error);
        return new LoopOutcome(RunStatus.Diverged, state.Position, error) { NonFiniteTensors = tensors };
    }

    /// <summary>Compares a logged loss with the window of earlier ones (counting a spike in the position), then adds it to the window.</summary>
    public bool IsSpike(TrainingPosition position, int step, double loss)
    {
        var window = position.RecentLosses;
        bool spike = options.SpikeRatio > 0 && window.Count >= 3 && loss > options.SpikeRatio * Median.Of(window);
        if (spike)
        {
            position.LossSpikes++;
            logger.LogWarning("Loss spike at step {Step}: {Loss:F4}, more than {Ratio}x the median of the previous {Window} logged losses.",
                step, loss, options.SpikeRatio, options.SpikeWindow);
        }
        window.Add(loss);
        if (window.Count > options.SpikeWindow)
            window.RemoveRange(0, window.Count - options.SpikeWindow);
        return spike;
    }

    /// <summary>
    /// The rollback policy: the newest valid checkpoint to reload (the loop restores it and applies
    /// <see cref="CarryOver"/>), or the end of the run when there is none or there were too many rollbacks.
    /// </summary>
    private GuardDecision RollBack(LoopState state, int step, StepResult result)
    {
        var position = state.Position;
        if (position.Rollbacks >= options.MaxRollbacks)
            return Diverged(state, $"Training diverged at step {step} (loss {result.Loss}, gradient norm {result.GradientNorm}) after {position.Rollbacks} rollbacks (guard.maxRollbacks).");
        var checkpoint = checkpoints is { Enabled: true } ? checkpoints.LoadNewestValid(m => logger.LogWarning("Skipping a damaged checkpoint: {Message}", m)) : null;
        if (checkpoint is null)
            return Diverged(state, $"Training diverged at step {step} (loss {result.Loss}, gradient norm {result.GradientNorm}) and there is no checkpoint to roll back to; checkpoints must be enabled (checkpoint.interval) for guard.onNonFinite = rollback.");
        return new GuardDecision.RollBack(checkpoint);
    }

    /// <summary>
    /// What a rollback keeps from the run it replaces: the counts of rollbacks, skips and spikes, and every learning
    /// rate cut by <c>rollbackLrFactor</c> once more.
    /// </summary>
    public void CarryOver(TrainingPosition before, TrainingPosition restored, int step, string folder)
    {
        restored.Rollbacks = before.Rollbacks + 1;
        restored.LearningRateScale = before.LearningRateScale * options.RollbackLrFactor;
        restored.SkippedUpdates = before.SkippedUpdates;
        restored.LossSpikes = before.LossSpikes;
        logger.LogWarning("NaN/Inf at step {Step}: rolled back to {Checkpoint} (step {Back}) with every learning rate x{Scale} (rollback {Count} of at most {Max}).",
            step, folder, restored.Step, restored.LearningRateScale, restored.Rollbacks, options.MaxRollbacks);
    }

    private static GuardDecision.Stop Diverged(LoopState state, string error) =>
        new(new LoopOutcome(RunStatus.Diverged, state.Position, error) { NonFiniteTensors = NonFiniteTensors(state.Experiment) });

    /// <summary>Names of the tensors whose gradient or value has a NaN or infinity.</summary>
    private static List<string> NonFiniteTensors(Experiment experiment)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return experiment.Parameters
            .Where(p => !p.Value.isfinite().all().item<bool>() || (p.Value.grad is { } g && !g.isfinite().all().item<bool>()))
            .Select(p => p.Descriptor.Name).ToList();
    }
}
