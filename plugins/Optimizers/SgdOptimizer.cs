using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>sgd</c>: stochastic gradient descent with optional (Nesterov) momentum (PyTorch's <c>torch.optim.SGD</c>). Weight
/// decay is coupled (L2, as <c>torch.optim.SGD</c> does) by default; decoupled and independent decay are applied to
/// the weights before each update (<see cref="DecoupledDecaySgd"/>).
/// </summary>
[ForgePlugin<SgdOptions>("sgd", Description = "SGD with momentum, Nesterov and weight decay")]
public sealed class SgdOptimizer(SgdOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Sgd;

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public double WeightDecay => options.WeightDecay;

    /// <inheritdoc />
    public WeightDecayMode? WeightDecayMode => options.WeightDecayMode;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups)
    {
        bool coupled = options.WeightDecayMode == Forge.Abstractions.Optimizers.WeightDecayMode.Coupled;
        var decay = groups.Select(g => WeightDecayCoefficient.Of(options.WeightDecayMode, options.WeightDecay, g.WeightDecayFactor, options.Lr)).ToList();
        var torchGroups = groups.Select((g, i) => new SGD.ParamGroup(g.Parameters, new SGD.Options
        {
            LearningRate = options.Lr * g.LearningRateFactor,
            momentum = options.Momentum,
            dampening = options.Dampening,
            nesterov = options.Nesterov,
            weight_decay = coupled ? decay[i] : 0.0,
            maximize = false,
        })).ToList();
        return coupled
            ? torch.optim.SGD(torchGroups, options.Lr, options.Momentum, options.Dampening, 0.0, options.Nesterov)
            : new DecoupledDecaySgd(torchGroups, decay, options);
    }
}
