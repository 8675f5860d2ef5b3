using Forge.Abstractions.Precision;
using Forge.Abstractions.Plugins;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Plugins.Precision;

/// <summary>
/// <c>fp8</c>, simulated: TorchSharp has no FP8 matmul on CPU, so each linear layer rounds its input and weight to the
/// E4M3 grid (straight-through) and, on the way back, the gradient of its output to E5M2, then multiplies in float32.
/// This reproduces FP8's numerics (rounding, saturation at the format's maximum, underflow), not its speed. Master
/// weights and optimizer state are float32. The recipe is the u-muP paper's (Blake et al. 2024, shared/reference/
/// parametrizations.md §5.6), with round-to-nearest-even rather than stochastic rounding and without unit scaling's
/// per-op scales, which is why plain muP or SP models can saturate or underflow here and u-muP models are meant not to.
/// </summary>
[ForgePlugin<Fp8Options>("fp8", Description = "simulated FP8: E4M3 matmul inputs, E5M2 gradients")]
public sealed class Fp8Precision(Fp8Options options) : IPrecisionPlugin
{
    /// <inheritdoc />
    public string Description => "fp8 (simulated): linear inputs and weights rounded to E4M3, " +
                                 (options.QuantizeGradients ? "output gradients to E5M2, " : "") + "products computed in float32";

    /// <inheritdoc />
    public Tensor Linear(Tensor input, Tensor weight)
    {
        var output = nn.functional.linear(Quantize.Forward(input, FloatFormat.E4M3), Quantize.Forward(weight, FloatFormat.E4M3));
        return options.QuantizeGradients ? Quantize.Backward(output, FloatFormat.E5M2) : output;
    }
}
