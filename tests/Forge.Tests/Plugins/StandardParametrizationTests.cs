using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Plugins.Parametrizations;
using TorchSharp;

namespace Forge.Tests.Plugins;

/// <summary>SP must reproduce PyTorch's defaults (nn.Linear: U(±1/√fan_in) for weight and bias; nn.Embedding: N(0,1)) at any width.</summary>
public class StandardParametrizationTests
{
    private static ParameterFactory Factory(int width, OptimizerKind optimizer = OptimizerKind.Adaptive) =>
        new(new StandardParametrization(), new ParametrizationContext(new ModelDimensions(width, 2), optimizer, 1e-3), torch.CPU, new torch.Generator(7));

    [Theory]
    [InlineData(64)]
    [InlineData(512)]
    public void Linear_weights_and_biases_are_uniform_with_bound_one_over_sqrt_fan_in(int width)
    {
        var factory = Factory(width);

        var hidden = factory.Weight("h.weight", ParameterRole.Hidden, Dimension.Width(width), Dimension.Width(width));
        var bias = factory.Bias("h.bias", Dimension.Width(width), layerFanIn: Dimension.Width(width));

        double bound = 1 / Math.Sqrt(width);
        Assert.Equal(Initialization.Uniform(bound), hidden.Scaling.Init);
        Assert.Equal(Initialization.Uniform(bound), bias.Scaling.Init);
        Assert.True(hidden.Value.abs().max().item<float>() <= bound);
        Assert.Equal(bound / Math.Sqrt(3), hidden.Value.std().item<float>(), 0.05 * bound);
    }

    [Fact]
    public void Readout_of_a_wide_model_uses_its_own_fan_in()
    {
        var readout = Factory(256).Weight("out.weight", ParameterRole.Output, Dimension.Fixed(10), Dimension.Width(256));

        Assert.Equal(Initialization.Uniform(1 / 16.0), readout.Scaling.Init);
        Assert.Equal(new long[] { 10, 256 }, readout.Value.shape);
    }

    [Fact]
    public void Embeddings_are_standard_normal_and_norms_start_at_identity()
    {
        var factory = Factory(128);

        var embedding = factory.Create(new ParameterDescriptor("emb.weight", ParameterRole.Embedding, new long[] { 1000, 128 }, Dimension.Width(128), Dimension.Fixed(1000)));
        var gain = factory.NormParameter("ln.weight", ParameterRole.NormGain, Dimension.Width(128));
        var shift = factory.NormParameter("ln.bias", ParameterRole.NormBias, Dimension.Width(128));

        Assert.Equal(1.0, embedding.Value.std().item<float>(), 0.02);
        Assert.Equal(128, gain.Value.sum().item<float>());
        Assert.Equal(0, shift.Value.abs().sum().item<float>());
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.Adaptive)]
    public void Every_multiplier_and_factor_is_one_at_every_width(OptimizerKind optimizer)
    {
        foreach (int width in new[] { 64, 1024 })
        {
            var factory = Factory(width, optimizer);
            var scalings = new[]
            {
                factory.Weight("in", ParameterRole.Input, Dimension.Width(width), Dimension.Fixed(8)),
                factory.Weight("h", ParameterRole.Hidden, Dimension.Width(width), Dimension.Width(width)),
                factory.Weight("out", ParameterRole.Output, Dimension.Fixed(3), Dimension.Width(width)),
            }.Select(p => p.Scaling);

            Assert.All(scalings, s => Assert.Equal((1.0, 1.0, 1.0, 1.0), (s.ForwardMultiplier, s.LearningRateFactor, s.WeightDecayFactor, s.EpsilonFactor)));
        }
        Assert.Equal(1 / 8.0, ((IParametrizationPlugin)new StandardParametrization()).AttentionLogitScale(64, Factory(64).Context));
    }
}
