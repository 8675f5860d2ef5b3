using TorchSharp;

namespace Forge.Abstractions.Optimizers;

/// <summary>
/// An optimizer plugin. The host groups the model's tensors by the parametrization's factors and asks the plugin
/// for a TorchSharp optimizer over those groups. Each group's learning rate must be <see cref="LearningRate"/>
/// times its factor at creation; the schedule then multiplies every group's initial learning rate by the same
/// factor each step, so per-tensor ratios are never overwritten.
/// </summary>
public interface IOptimizerPlugin
{
    /// <summary>The family, which decides the parametrization's learning-rate rules.</summary>
    OptimizerKind Kind { get; }

    /// <summary>The global (base) learning rate from the spec; the value that is tuned and transferred.</summary>
    double LearningRate { get; }

    /// <summary>
    /// The weight decay λ from the spec (0: none), for parametrizations whose decay rule depends on how the optimizer
    /// applies it (<see cref="Parametrizations.ParametrizationContext.WeightDecay"/>). Default 0 (added in 1.2).
    /// </summary>
    double WeightDecay => 0;

    /// <summary>How <see cref="WeightDecay"/> is applied; null when the plugin does not say (the default, added in 1.2).</summary>
    WeightDecayMode? WeightDecayMode => null;

    /// <summary>Creates the optimizer over <paramref name="groups"/>.</summary>
    torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups);
}
