namespace Forge.Core.Training;

/// <summary>
/// Watches the phases of one update from inside it (per-layer diagnostics): created before the forward pass, told when
/// the forward pass and the backward pass are done and when the optimizer has applied the update, then disposed.
/// </summary>
public interface IStepProbe : IDisposable
{
    /// <summary>The model's forward pass is done (the loss's is not part of it).</summary>
    void ForwardDone();

    /// <summary>Gradients are ready, before clipping and the update.</summary>
    void GradientsReady();

    /// <summary>The optimizer applied update <paramref name="step"/> (not called for a skipped update).</summary>
    void UpdateApplied(int step);
}
