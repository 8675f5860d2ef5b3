using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// <c>spectral</c>: the spectral condition for feature learning (Yang, Simon &amp; Bernstein 2023, "A Spectral
/// Condition for Feature Learning", Parametrization 1; docs/reference/spectral.md and its per-layer
/// table). Every weight W (fan_out × fan_in) keeps ‖W‖ and ‖ΔW‖ at Θ(√(fan_out/fan_in)):
/// <list type="bullet">
/// <item>init N(0, σ²) with σ = initScale · (1/√fan_in) · min(1, √(fan_out/fan_in)); an embedding reads one-hot
/// inputs, so its effective fan-in is 1 (σ = 1); biases start at 0, norm gains at 1;</item>
/// <item>learning rate: SGD ∝ fan_out/fan_in, Adam-family ∝ 1/fan_in (biases and norm parameters count as
/// fan-in 1: SGD ∝ fan_out, Adam constant), each relative to its value at <c>baseWidth</c>;</item>
/// <item>no forward multipliers; attention logits attnMultiplier/d_head (the μP scale); weight decay unscaled
/// (the paper does not prescribe one).</item>
/// </list>
/// </summary>
[ForgePlugin<SpectralOptions>("spectral", Description = "Spectral condition for feature learning (Yang, Simon, Bernstein 2023)")]
public sealed class SpectralParametrization(SpectralOptions options) : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        var m = WidthMultipliers.Of(parameter, context, options.BaseWidth);
        bool vectorLike = parameter.Role is ParameterRole.Bias or ParameterRole.NormGain or ParameterRole.NormBias or ParameterRole.Embedding;
        double fanIn = vectorLike ? 1.0 : parameter.FanIn.Size;
        double fanOut = parameter.FanOut.Size;
        double mIn = vectorLike ? 1.0 : m.FanIn;

        var init = parameter.Role switch
        {
            ParameterRole.Bias or ParameterRole.NormBias => Initialization.Zeros,
            ParameterRole.NormGain => Initialization.Ones,
            _ => Initialization.Normal(options.InitScale / Math.Sqrt(fanIn) * Math.Min(1.0, Math.Sqrt(fanOut / fanIn))),
        };
        // The learning rate relative to the base width: (fan_out/fan_in) / (base fan_out / base fan_in) for SGD, base fan_in / fan_in for Adam.
        double lr = context.Optimizer == OptimizerKind.Sgd ? m.FanOut / mIn : 1.0 / mIn;
        return new ParameterScaling(init, 1.0, lr, 1.0) { FanInMultiplier = m.FanIn, FanOutMultiplier = m.FanOut };
    }

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => options.AttnMultiplier / headDimension;
}
