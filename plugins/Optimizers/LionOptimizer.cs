using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>lion</c>: EvoLved Sign Momentum (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
/// arXiv 2302.06675, Algorithm 2). The update is the sign of an interpolation of momentum and gradient, so, like
/// Adam's, its size does not depend on the gradient's: muP treats it as an adaptive optimizer. Every coordinate moves
/// by exactly ±lr, so Lion wants a learning rate 3–10x smaller than AdamW's and a weight decay 3–10x larger.
/// </summary>
[ForgePlugin<LionOptions>("lion", Description = "Lion (sign of interpolated momentum; Chen et al. 2023)")]
public sealed class LionOptimizer(LionOptions options) : IOptimizerPlugin
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
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups) =>
        new Lion(groups.Select(g => new Lion.ParamGroup(g.Parameters, new Lion.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            Beta1 = options.Beta1,
            Beta2 = options.Beta2,
            WeightDecay = WeightDecayCoefficient.Of(options.WeightDecayMode, options.WeightDecay, g.WeightDecayFactor, options.Lr),
        })));
}
