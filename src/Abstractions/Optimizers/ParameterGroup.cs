using Forge.Abstractions.Parametrizations;
using TorchSharp.Modules;

namespace Forge.Abstractions.Optimizers;

/// <summary>Tensors that share the parametrization's factors; becomes one optimizer parameter group.</summary>
/// <param name="Parameters">The tensors, each once (tied weights are de-duplicated by the host).</param>
/// <param name="LearningRateFactor">Multiplies the optimizer's learning rate.</param>
/// <param name="WeightDecayFactor">Multiplies the optimizer's weight decay.</param>
/// <param name="EpsilonFactor">Multiplies an adaptive optimizer's ε.</param>
public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double LearningRateFactor, double WeightDecayFactor, double EpsilonFactor)
{
    /// <summary>
    /// What each of <see cref="Parameters"/> is (same order): its role, shape and fans, for optimizers that treat
    /// tensors by role (Muon orthogonalises hidden matrices only). Empty when the host does not know (added in 1.1).
    /// </summary>
    public IReadOnlyList<ParameterDescriptor> Descriptors { get; init; } = Array.Empty<ParameterDescriptor>();

    /// <summary>
    /// What the parametrization decided for each of <see cref="Parameters"/> (same order): its forward multiplier and
    /// factors, for optimizers that size the layer's effective update (<c>ForwardMultiplier · ΔW</c>) themselves, as
    /// Muon does. Empty when the host does not provide them (added in 1.2).
    /// </summary>
    public IReadOnlyList<ParameterScaling> Scalings { get; init; } = Array.Empty<ParameterScaling>();
}
