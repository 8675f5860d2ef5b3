using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Plugins.Optimizers;

/// <summary><c>sgd</c>: stochastic gradient descent with optional (Nesterov) momentum and coupled weight decay (PyTorch's <c>torch.optim.SGD</c>).</summary>
[ForgePlugin<SgdOptions>("sgd", Description = "SGD with momentum, Nesterov and weight decay")]
public sealed class SgdOptimizer(SgdOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Sgd;

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups)
    {
        var torchGroups = groups.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            momentum = options.Momentum,
            dampening = options.Dampening,
            nesterov = options.Nesterov,
            weight_decay = options.WeightDecay * g.WeightDecayFactor,
            maximize = false,
        }));
        return torch.optim.SGD(torchGroups, options.Lr, options.Momentum, options.Dampening, options.WeightDecay, options.Nesterov);
    }
}
