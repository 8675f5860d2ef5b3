using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// <c>sp</c>: standard parametrization, PyTorch's default initialization with one global learning rate. This is the
/// baseline of Tensor Programs V (Yang et al. 2022, "SP" column of Table 3; docs/reference/standard.md):
/// <c>nn.Linear</c> weights and biases U(±1/√fan_in) (Kaiming-uniform with a=√5), <c>nn.Embedding</c> N(0,1), norm gains 1 and norm biases 0, every forward multiplier 1, every
/// learning-rate, weight-decay and ε factor 1, attention logits scaled by 1/√d_head. Under SP the optimal
/// learning rate shifts with width; that is what muP fixes.
/// </summary>
[ForgePlugin("sp", Description = "Standard (PyTorch default) parametrization, one global learning rate")]
public sealed class StandardParametrization : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context) => parameter.Role switch
    {
        ParameterRole.Embedding => new ParameterScaling(Initialization.Normal(1.0)),
        ParameterRole.NormGain => new ParameterScaling(Initialization.Ones),
        ParameterRole.NormBias => new ParameterScaling(Initialization.Zeros),
        ParameterRole.Bias => new ParameterScaling(UniformFanIn(parameter.LayerFanIn?.Size ?? parameter.FanIn.Size)),
        _ => new ParameterScaling(UniformFanIn(parameter.FanIn.Size)),
    };

    private static Initialization UniformFanIn(long fanIn) => Initialization.Uniform(1.0 / Math.Sqrt(fanIn));
}
