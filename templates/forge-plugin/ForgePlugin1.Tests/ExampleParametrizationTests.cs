using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using ForgePlugin1;

namespace ForgePlugin1.Tests;

public class ExampleParametrizationTests
{
    private static ParameterDescriptor Hidden(int width) =>
        new("layer.weight", ParameterRole.Hidden, new long[] { width, width }, Dimension.Width(width), Dimension.Width(width));

    [Fact]
    public void Hidden_learning_rates_shrink_with_width_relative_to_the_base()
    {
        var rule = new ExampleParametrization(new ExampleOptions { BaseWidth = 64 });
        var at = (int width) => new ParametrizationContext(new ModelDimensions(width, 2), OptimizerKind.Adaptive, 1e-3);

        var baseScaling = rule.Scale(Hidden(64), at(64));
        var wideScaling = rule.Scale(Hidden(256), at(256));

        Assert.Equal(1.0, baseScaling.LearningRateFactor, 12);
        Assert.Equal(0.25, wideScaling.LearningRateFactor, 12);
        Assert.Equal(1 / 16.0, wideScaling.Init.StandardDeviation, 12);
    }
}
