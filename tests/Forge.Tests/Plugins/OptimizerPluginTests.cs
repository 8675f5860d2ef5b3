using Forge.Abstractions.Optimizers;
using Forge.Plugins.Optimizers;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Tests.Plugins;

/// <summary>Optimizer plugins must give each parameter group the parametrization's factors, and record them as the group's initial rate.</summary>
public class OptimizerPluginTests
{
    private static IReadOnlyList<ParameterGroup> TwoGroups() => new[]
    {
        new ParameterGroup(new[] { new Parameter(torch.zeros(3)) }, LearningRateFactor: 1.0, WeightDecayFactor: 1.0, EpsilonFactor: 1.0),
        new ParameterGroup(new[] { new Parameter(torch.zeros(4, 4)) }, LearningRateFactor: 0.25, WeightDecayFactor: 0.0, EpsilonFactor: 0.5),
    };

    [Fact]
    public void AdamW_gives_each_group_its_learning_rate_weight_decay_and_epsilon()
    {
        var plugin = new AdamWOptimizer(new AdamWOptions { Lr = 0.01, WeightDecay = 0.1, Eps = 1e-8, Beta1 = 0.8 });

        using var optimizer = plugin.Create(TwoGroups());

        var groups = optimizer.ParamGroups.Cast<ParamGroup>().ToList();
        Assert.Equal(new[] { 0.01, 0.0025 }, groups.Select(g => g.LearningRate));
        Assert.Equal(new[] { 0.01, 0.0025 }, groups.Select(g => g.InitialLearningRate));
        var options = groups.Select(g => (AdamW.Options)g.Options).ToList();
        Assert.Equal(new double?[] { 0.1, 0.0 }, options.Select(o => o.weight_decay));
        Assert.Equal(new double?[] { 1e-8, 5e-9 }, options.Select(o => o.eps));
        Assert.All(options, o => Assert.Equal(0.8, o.beta1));
        Assert.Equal(OptimizerKind.Adaptive, plugin.Kind);
    }

    [Fact]
    public void Sgd_gives_each_group_its_learning_rate_and_weight_decay()
    {
        var plugin = new SgdOptimizer(new SgdOptions { Lr = 0.4, Momentum = 0.9, WeightDecay = 0.01 });

        using var optimizer = plugin.Create(TwoGroups());

        var groups = optimizer.ParamGroups.Cast<ParamGroup>().ToList();
        Assert.Equal(new[] { 0.4, 0.1 }, groups.Select(g => g.InitialLearningRate));
        var options = groups.Select(g => (SGD.Options)g.Options).ToList();
        Assert.Equal(new double?[] { 0.01, 0.0 }, options.Select(o => o.weight_decay));
        Assert.All(options, o => Assert.Equal(0.9, o.momentum));
        Assert.Equal(OptimizerKind.Sgd, plugin.Kind);
    }
}
