using Forge.Abstractions.Optimizers;

namespace Forge.Abstractions.Parametrizations;

/// <summary>What a parametrization knows about the run when it scales a tensor.</summary>
/// <param name="Model">The model's width and depth.</param>
/// <param name="Optimizer">The optimizer family: learning-rate rules differ between SGD and Adam-like optimizers.</param>
/// <param name="LearningRate">The optimizer's global (peak) learning rate η, for rules that need it (independent weight decay divides by it).</param>
public sealed record ParametrizationContext(ModelDimensions Model, OptimizerKind Optimizer, double LearningRate)
{
    /// <summary>The optimizer's weight decay λ (<see cref="IOptimizerPlugin.WeightDecay"/>; 0: none). Added in 1.2.</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// How the optimizer applies <see cref="WeightDecay"/> (<see cref="IOptimizerPlugin.WeightDecayMode"/>; null when it
    /// does not say): a rule whose weight-decay factors are right in one mode only refuses the others. Added in 1.2.
    /// </summary>
    public WeightDecayMode? WeightDecayMode { get; init; }

    /// <summary>
    /// The base model's tensors by name, when the rule asked for one (<see cref="IParametrizationPlugin.BaseModel"/>):
    /// a dimension's multiplier is its size over the same tensor's size there, so heads, head size and MLP width can
    /// scale independently. Null otherwise, and while the base model itself is built. Added in 1.2.
    /// </summary>
    public IReadOnlyDictionary<string, ParameterDescriptor>? BaseModel { get; init; }
}
