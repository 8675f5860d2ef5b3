namespace Forge.Abstractions.Parametrizations;

/// <summary>
/// A parametrization's decision for one tensor, in the abc form of Tensor Programs V: the layer computes with
/// <c>ForwardMultiplier · W</c>, <c>W₀</c> is drawn from <see cref="Init"/>, and the optimizer uses
/// <c>lr · LearningRateFactor</c>. None of these may be baked into the stored weight.
/// </summary>
/// <param name="Init">The initial distribution of the stored tensor (B).</param>
/// <param name="ForwardMultiplier">The constant the layer multiplies the tensor by in the forward pass (A).</param>
/// <param name="LearningRateFactor">Multiplies the global learning rate for this tensor (C / η).</param>
/// <param name="WeightDecayFactor">Multiplies the optimizer's weight decay for this tensor (0 disables it).</param>
/// <param name="EpsilonFactor">Multiplies an adaptive optimizer's ε for this tensor.</param>
public sealed record ParameterScaling(
    Initialization Init,
    double ForwardMultiplier = 1.0,
    double LearningRateFactor = 1.0,
    double WeightDecayFactor = 1.0,
    double EpsilonFactor = 1.0)
{
    /// <summary>fan_in / base fan_in as the rule sees it (1 for a fixed dimension, or for a rule without a base width).</summary>
    public double FanInMultiplier { get; init; } = 1.0;

    /// <summary>fan_out / base fan_out as the rule sees it.</summary>
    public double FanOutMultiplier { get; init; } = 1.0;

    /// <summary>
    /// The part of <see cref="LearningRateFactor"/> a depth rule contributes (u-μP's depth^-½ inside residual blocks,
    /// CompleteP's m_L^(α−1)); 1 for a rule without one. An optimizer that brings its own width rule (Muon's spectral
    /// step) applies this part and not the rest, so the depth rule holds for it too (added in 1.2).
    /// </summary>
    public double DepthLearningRateFactor { get; init; } = 1.0;
}
