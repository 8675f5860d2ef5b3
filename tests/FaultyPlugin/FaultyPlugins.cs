using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Tests.FaultyPlugin;

/// <summary>An optimizer plugin whose constructor always throws.</summary>
[ForgePlugin("throwing", Description = "always fails to construct")]
public sealed class ThrowingOptimizer : IOptimizerPlugin
{
    public ThrowingOptimizer() => throw new InvalidOperationException("this plugin always fails to construct");

    public OptimizerKind Kind => OptimizerKind.Sgd;
    public double LearningRate => 0.1;
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups) => throw new NotSupportedException();
}

/// <summary>An optimizer named like samples/Signum's, to clash with it: plain SGD at lr 0.01.</summary>
[ForgePlugin("signum", Description = "not Signum: SGD under Signum's name")]
public sealed class ImpostorSignum : IOptimizerPlugin
{
    public OptimizerKind Kind => OptimizerKind.Sgd;
    public double LearningRate => 0.01;
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups) =>
        torch.optim.SGD(groups.SelectMany(g => g.Parameters), 0.01);
}
