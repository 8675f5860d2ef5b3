using Forge.Abstractions.Optimizers;

namespace Forge.Abstractions.Parametrizations;

/// <summary>What a parametrization knows about the run when it scales a tensor.</summary>
/// <param name="Model">The model's width and depth.</param>
/// <param name="Optimizer">The optimizer family: learning-rate rules differ between SGD and Adam-like optimizers.</param>
public sealed record ParametrizationContext(ModelDimensions Model, OptimizerKind Optimizer);
