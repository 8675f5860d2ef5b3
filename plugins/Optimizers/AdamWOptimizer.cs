using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>adamw</c>: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019; PyTorch's <c>torch.optim.AdamW</c>).
/// Each group gets its own learning rate, weight decay and ε from the parametrization's factors.
/// </summary>
[ForgePlugin<AdamWOptions>("adamw", Description = "AdamW (Adam with decoupled weight decay)")]
public sealed class AdamWOptimizer(AdamWOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Adaptive;

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups)
    {
        // Per-group Options object: the (params, lr) ParamGroup constructor silently resets weight decay and betas.
        var torchGroups = groups.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            beta1 = options.Beta1,
            beta2 = options.Beta2,
            eps = options.Eps * g.EpsilonFactor,
            weight_decay = options.WeightDecay * g.WeightDecayFactor,
            amsgrad = false,
            maximize = false,
        }));
        return torch.optim.AdamW(torchGroups, options.Lr, options.Beta1, options.Beta2, options.Eps, options.WeightDecay);
    }
}
