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

    /// <summary>Creates the optimizer over <paramref name="groups"/>.</summary>
    torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups);
}
