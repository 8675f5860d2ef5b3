namespace Forge.Core.Training;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    Completed,
    Diverged,
    Interrupted,
    Failed,

    /// <summary>Stopped at the spec's <c>stopAfter</c> with a checkpoint, before training.steps: the same command continues it.</summary>
    Paused,
}
