namespace Forge.Abstractions.Optimizers;

/// <summary>The optimizer family; parametrizations scale learning rates differently for each (TP5 Table 3/8).</summary>
public enum OptimizerKind
{
    /// <summary>SGD and its momentum variants: the update is proportional to the gradient.</summary>
    Sgd,
    /// <summary>Adam, AdamW and other entrywise-normalised optimizers: the update's scale does not depend on the gradient's.</summary>
    Adaptive,
}
