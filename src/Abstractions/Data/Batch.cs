using TorchSharp;

namespace Forge.Abstractions.Data;

/// <summary>One batch of inputs and targets on the run's device. The receiver owns (and disposes) the tensors.</summary>
/// <param name="Inputs">[batch, features] floats, or [batch, time] token indices.</param>
/// <param name="Targets">See <see cref="TaskKind"/> for the shape per task.</param>
public sealed record Batch(torch.Tensor Inputs, torch.Tensor Targets) : IDisposable
{
    /// <summary>
    /// Classification: the targets are class probabilities, <c>[batch, classes]</c> floats (mixup, cutmix), instead of
    /// class indices; cross-entropy scores them as they are, accuracy counts their most probable class. Added in 1.2.
    /// </summary>
    public bool ClassProbabilities { get; init; }

    /// <summary>Number of examples (first dimension).</summary>
    public long Examples => Inputs.shape[0];

    /// <summary>Number of predicted positions: examples times sequence length for sequence data (one per example for class probabilities).</summary>
    public long Predictions => ClassProbabilities ? Targets.shape[0] : Targets.numel();

    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
