using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// What the loop works on and where it stands: the experiment, the training position (what a checkpoint records), the
/// data sampler's generator and the schedule. Observers read it; the loop and its divergence guard move it on.
/// </summary>
public sealed class LoopState
{
    public required Experiment Experiment { get; init; }

    /// <summary>Where the run stands; replaced when a checkpoint is restored.</summary>
    public required TrainingPosition Position { get; set; }

    /// <summary>The training batches' random stream (its state is checkpointed).</summary>
    public required Generator DataGenerator { get; init; }

    public required LearningRateSchedule Schedule { get; init; }

    /// <summary>Under <c>training.sync</c>: the state besides rank 0's model and optimizer that its checkpoints hold (null otherwise).</summary>
    public SyncState? Sync { get; set; }

    /// <summary>The planned number of updates.</summary>
    public int TotalSteps => Experiment.Spec.Experiment.Training.Steps;

    /// <summary>The factor on every group's initial learning rate for the next update: the schedule's, times the guard's cuts.</summary>
    public double NextFactor => Schedule.Factor(Position.Step) * Position.LearningRateScale;

    /// <summary>The schedule's factor of the last update taken (what a checkpoint records).</summary>
    public double LastScheduleFactor => Schedule.Factor(Math.Max(0, Position.Step - 1));
}
