using TorchSharp;

namespace Forge.Abstractions.Data;

/// <summary>One batch of inputs and targets on the run's device. The receiver owns (and disposes) the tensors.</summary>
/// <param name="Inputs">[batch, features] floats, or [batch, time] token indices.</param>
/// <param name="Targets">See <see cref="TaskKind"/> for the shape per task.</param>
public sealed record Batch(torch.Tensor Inputs, torch.Tensor Targets) : IDisposable
{
    /// <summary>Number of examples (first dimension).</summary>
    public long Examples => Inputs.shape[0];

    /// <summary>Number of predicted positions: examples times sequence length for sequence data.</summary>
    public long Predictions => Targets.numel();

    /// <inheritdoc />
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
