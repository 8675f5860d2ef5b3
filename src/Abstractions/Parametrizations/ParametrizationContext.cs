using Forge.Abstractions.Optimizers;

namespace Forge.Abstractions.Parametrizations;

/// <summary>What a parametrization knows about the run when it scales a tensor.</summary>
/// <param name="Model">The model's width and depth.</param>
/// <param name="Optimizer">The optimizer family: learning-rate rules differ between SGD and Adam-like optimizers.</param>
/// <param name="LearningRate">The optimizer's global (peak) learning rate η, for rules that need it (independent weight decay divides by it).</param>
public sealed record ParametrizationContext(ModelDimensions Model, OptimizerKind Optimizer, double LearningRate);
