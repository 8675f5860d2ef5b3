using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Samples.Gpt2Init;

/// <summary>
/// <c>gpt2</c>: standard parametrization with GPT-2's initialisation (Radford et al. 2019, "Language Models are
/// Unsupervised Multitask Learners", §2.3: "we scale the weights of residual layers at initialization by a factor of
/// 1/√N where N is the number of residual layers"; nanoGPT's <c>model.py</c>, <c>_init_weights</c> and the
/// <c>c_proj.weight</c> special case), a worked example of a third-party parametrization that Forge does not build in.
/// With σ = <c>initStd</c> and L = the model's depth (blocks, each with two residual layers):
/// <list type="bullet">
/// <item>every weight matrix (embeddings, input, hidden, readout) N(0, σ²); the last projection of each residual
/// branch (<see cref="ParameterTags.ResidualOutput"/>: attention output, MLP down) N(0, σ²/(2L));</item>
/// <item>biases 0, norm gains 1, norm biases 0;</item>
/// <item>no forward multipliers, every learning-rate, weight-decay and ε factor 1, attention logits q·k/√d_head:
/// the global learning rate is SP's, with no width or depth rule.</item>
/// </list>
/// Forge's <c>sp</c> uses PyTorch's default initialisation instead (U(±1/√fan_in)).
/// </summary>
[ForgePlugin<Gpt2InitOptions>("gpt2", Description = "SP with GPT-2's init: N(0, 0.02^2), residual projections / sqrt(2L) (Radford et al. 2019)")]
public sealed class Gpt2InitParametrization(Gpt2InitOptions options) : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context) => new(parameter.Role switch
    {
        ParameterRole.NormGain => Initialization.Ones,
        ParameterRole.Bias or ParameterRole.NormBias => Initialization.Zeros,
        _ when parameter.Tags.HasFlag(ParameterTags.ResidualOutput) => Initialization.Normal(options.InitStd / Math.Sqrt(2.0 * context.Model.Depth)),
        _ => Initialization.Normal(options.InitStd),
    });
}
