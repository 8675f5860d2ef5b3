using Forge.Core.Checkpoints;

namespace Forge.Core.Training;

/// <summary>How the loop ended and where it stood.</summary>
/// <param name="Status">Completed, diverged, interrupted or failed.</param>
/// <param name="Position">The training position at the end.</param>
/// <param name="Error">What went wrong (and what to do about it), or null when completed.</param>
public sealed record LoopOutcome(RunStatus Status, TrainingPosition Position, string? Error)
{
    public int Steps => Position.Step;

    /// <summary>On divergence: the tensors whose gradients (or values) were NaN or infinite.</summary>
    public IReadOnlyList<string>? NonFiniteTensors { get; init; }
}
