using TorchSharp.Modules;

namespace Forge.Abstractions.Optimizers;

/// <summary>Tensors that share the parametrization's factors; becomes one optimizer parameter group.</summary>
/// <param name="Parameters">The tensors, each once (tied weights are de-duplicated by the host).</param>
/// <param name="LearningRateFactor">Multiplies the optimizer's learning rate.</param>
/// <param name="WeightDecayFactor">Multiplies the optimizer's weight decay.</param>
/// <param name="EpsilonFactor">Multiplies an adaptive optimizer's ε.</param>
public sealed record ParameterGroup(IReadOnlyList<Parameter> Parameters, double LearningRateFactor, double WeightDecayFactor, double EpsilonFactor);
