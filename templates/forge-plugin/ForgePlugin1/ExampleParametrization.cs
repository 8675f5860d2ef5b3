using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace ForgePlugin1;

/// <summary>
/// <c>my-rule</c>: a starting point for a parametrization from a paper — here μP for Adam-like optimizers
/// (Tensor Programs V, Table 3): with m = width / baseWidth, hidden weights are initialised with std 1/√fan_in and
/// trained at lr/m; the readout's output is multiplied by 1/m; everything else keeps the global rate.
/// Replace the rules below with the paper's, and cite its table here.
/// </summary>
[ForgePlugin<ExampleOptions>("my-rule", Description = "Example parametrization (muP for Adam) to start from")]
public sealed class ExampleParametrization(ExampleOptions options) : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (context.Optimizer != OptimizerKind.Adaptive)
            throw new PluginException("my-rule implements the Adam column; choose an adaptive optimizer such as adamw.");
        double m = (double)context.Model.Width / options.BaseWidth;
        double std = 1.0 / Math.Sqrt(parameter.FanIn.Size);
        return parameter.Role switch
        {
            ParameterRole.Hidden => new ParameterScaling(Initialization.Normal(std), LearningRateFactor: 1.0 / m),
            ParameterRole.Output => new ParameterScaling(Initialization.Zeros, ForwardMultiplier: options.OutputMultiplier / m),
            ParameterRole.Embedding or ParameterRole.Input => new ParameterScaling(Initialization.Normal(1.0)),
            ParameterRole.NormGain => new ParameterScaling(Initialization.Ones),
            _ => new ParameterScaling(Initialization.Zeros),
        };
    }

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => 1.0 / headDimension;
}
