using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Data;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Core.Composition;

/// <summary>Everything a run trains: the composed plugins, the model, its parameter groups and the optimizer.</summary>
public sealed class Experiment : IDisposable
{
    public required ResolvedSpec Spec { get; init; }
    public required RunEnvironment Environment { get; init; }
    public required IDatasetPlugin Dataset { get; init; }
    public required IOptimizerPlugin OptimizerPlugin { get; init; }
    public required IParametrizationPlugin Parametrization { get; init; }
    public required Forge.Abstractions.Precision.IPrecisionPlugin Precision { get; init; }
    public required Forge.Abstractions.Ops.ModelOps Ops { get; init; }
    public required torch.nn.Module<torch.Tensor, torch.Tensor> Model { get; init; }
    public required IReadOnlyList<ScaledParameter> Parameters { get; init; }
    public required torch.optim.Optimizer Optimizer { get; init; }

    /// <summary>Second uses of trainable tensors (tied readouts) and the multiplier each use gets.</summary>
    public IReadOnlyList<ScaledParameter> TiedUses { get; init; } = Array.Empty<ScaledParameter>();

    /// <summary>When the run started from a checkpoint (the spec's <c>init</c> section): where from and how well the function was kept, in one line.</summary>
    public string? StartedFrom { get; set; }

    /// <summary>The spec's callbacks, in order.</summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = Array.Empty<ITrainingCallback>();

    /// <summary>Attention-logit scales and residual multipliers the model asked the parametrization for.</summary>
    public IReadOnlyList<ArchitecturalScale> Scales { get; init; } = Array.Empty<ArchitecturalScale>();

    /// <summary>How each of <see cref="Parameters"/>' gradients combine across parts of a batch (ranks, micro-batches), in the same order.</summary>
    public IReadOnlyList<Forge.Abstractions.Parametrizations.GradientReduction> Reductions { get; init; } = Array.Empty<Forge.Abstractions.Parametrizations.GradientReduction>();

    /// <summary>Trainable tensors, each once.</summary>
    public IReadOnlyList<Parameter> Trainable => Parameters.Select(p => p.Value).ToList();

    public long ParameterCount => Parameters.Sum(p => p.Value.numel());

    public void Dispose()
    {
        Optimizer.Dispose();
        Model.Dispose();
        (Dataset as IDisposable)?.Dispose();
        foreach (var callback in Callbacks.OfType<IDisposable>())
            callback.Dispose();
    }
}
