using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>adamw</c>: Adam (Kingma &amp; Ba 2015) with weight decay as <see cref="WeightDecayMode"/> says: decoupled by default
/// (Loshchilov &amp; Hutter 2019; PyTorch's <c>torch.optim.AdamW</c>), coupled L2 (<c>torch.optim.Adam</c>), or
/// independent of the learning rate. Each group gets its own learning rate, weight decay and ε from the
/// parametrization's factors. With <c>atan2</c>, the update is Adam-atan2's (<see cref="AdamAtan2"/>), which has no ε.
/// </summary>
[ForgePlugin<AdamWOptions>("adamw", Description = "AdamW (Adam with decoupled, coupled or independent weight decay)")]
public sealed class AdamWOptimizer(AdamWOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Adaptive;

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public double WeightDecay => options.WeightDecay;

    /// <inheritdoc />
    public WeightDecayMode? WeightDecayMode => options.WeightDecayMode;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups)
    {
        double Decay(ParameterGroup g) => WeightDecayCoefficient.Of(options.WeightDecayMode, options.WeightDecay, g.WeightDecayFactor, options.Lr);
        if (options.Atan2)
            return new AdamAtan2(groups.Select(g => new AdamAtan2.ParamGroup(g.Parameters, new AdamAtan2.Options
            {
                LearningRate = options.Lr * g.LearningRateFactor,
                Beta1 = options.Beta1,
                Beta2 = options.Beta2,
                WeightDecay = options.WeightDecayMode == Forge.Abstractions.Optimizers.WeightDecayMode.Coupled ? 0 : Decay(g),
                CoupledWeightDecay = options.WeightDecayMode == Forge.Abstractions.Optimizers.WeightDecayMode.Coupled ? Decay(g) : 0,
            })));
        // Per-group Options objects: the (params, lr) ParamGroup constructors silently reset weight decay and betas.
        if (options.WeightDecayMode == Forge.Abstractions.Optimizers.WeightDecayMode.Coupled)
            return torch.optim.Adam(groups.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options
            {
                LearningRate = options.Lr * g.LearningRateFactor,
                beta1 = options.Beta1,
                beta2 = options.Beta2,
                eps = options.Eps * g.EpsilonFactor,
                weight_decay = Decay(g),
                amsgrad = false,
                maximize = false,
            })), options.Lr, options.Beta1, options.Beta2, options.Eps);
        return torch.optim.AdamW(groups.Select(g => new AdamW.ParamGroup(g.Parameters, new AdamW.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            beta1 = options.Beta1,
            beta2 = options.Beta2,
            eps = options.Eps * g.EpsilonFactor,
            weight_decay = Decay(g),
            amsgrad = false,
            maximize = false,
        })), options.Lr, options.Beta1, options.Beta2, options.Eps, options.WeightDecay);
    }
}
