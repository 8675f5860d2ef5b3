using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Samples.Signum;

/// <summary>
/// <c>signum</c>: sign of momentum (Bernstein et al. 2018, "signSGD: Compressed Optimisation for Non-Convex Problems",
/// arXiv 1802.04434, Algorithm 3), a third-party plugin sample. The update is a sign, so its size does not depend on
/// the gradient's: muP treats it as an adaptive optimizer, like Adam.
/// </summary>
[ForgePlugin<SignumOptions>("signum", Description = "Signum (sign of momentum; Bernstein et al. 2018)")]
public sealed class SignumOptimizer(SignumOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Adaptive;

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups) =>
        new Signum(groups.Select(g => new Signum.ParamGroup(g.Parameters, new Signum.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            Momentum = options.Momentum,
            WeightDecay = options.WeightDecay * g.WeightDecayFactor,
        })));
}
