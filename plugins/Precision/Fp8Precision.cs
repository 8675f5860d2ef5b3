using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Precision;

/// <summary>
/// <c>fp8</c>, simulated: TorchSharp has no FP8 matmul on CPU, so each linear layer rounds its input and weight to the
/// E4M3 grid (straight-through) and, on the way back, the gradient of its output to E5M2, then multiplies in float32.
/// This reproduces FP8's numerics (rounding, saturation at the format's maximum, underflow), not its speed. Master
/// weights and optimizer state are float32. The recipe is the u-muP paper's (Blake et al. 2024;
/// docs/reference/precision.md): all linear layers in FP8 except the two "critical" ones per block (attention output and
/// MLP down projection, tagged <see cref="ParameterTags.ResidualOutput"/>), kept in bf16; round-to-nearest-even by
/// default, stochastic rounding with <c>rounding: "stochastic"</c> (graphcore's simulator default); no per-tensor scaling, which is why plain μP or SP models saturate or underflow
/// here and u-μP models are meant not to. Counts saturated and underflowed values per tensor on the steps the host
/// logs (<see cref="IRoundingStatistics"/>).
/// </summary>
[ForgePlugin<Fp8Options>("fp8", Description = "simulated FP8: E4M3 matmul inputs, E5M2 gradients")]
public sealed class Fp8Precision(Fp8Options options) : IPrecisionPlugin, IRoundingStatistics
{
    private readonly List<RoundingCount> _counts = new();

    /// <inheritdoc />
    public string Description => "fp8 (simulated, products computed in float32): linear inputs and weights rounded to E4M3, " +
                                 (options.QuantizeGradients ? "output gradients to E5M2" : "gradients float32") +
                                 (options.Rounding == FloatRounding.Stochastic ? ", stochastic rounding" : "") +
                                 (options.CriticalMatmulsInBf16 ? "; attention output and MLP down projections in bf16" : "");

    /// <inheritdoc />
    public bool Counting { get; set; }

    /// <inheritdoc />
    public Tensor Linear(Tensor input, Tensor weight, ParameterDescriptor descriptor)
    {
        if (options.CriticalMatmulsInBf16 && descriptor.Tags.HasFlag(ParameterTags.ResidualOutput))
            return Bf16Precision.Product(input, weight);
        string name = LayerName(descriptor);
        if (Counting)
        {
            Record($"{name}.input", FloatFormat.E4M3, input);
            Record($"{name}.weight", FloatFormat.E4M3, weight);
        }
        var output = nn.functional.linear(Quantize.Forward(input, FloatFormat.E4M3, options.Rounding), Quantize.Forward(weight, FloatFormat.E4M3, options.Rounding));
        if (!options.QuantizeGradients)
            return output;
        return Quantize.Backward(output, FloatFormat.E5M2, options.Rounding, Counting ? grad => Record($"{name}.grad", FloatFormat.E5M2, grad) : null);
    }

    /// <inheritdoc />
    public IReadOnlyList<RoundingCount> Collect()
    {
        lock (_counts)
        {
            var counts = _counts.ToList();
            _counts.Clear();
            return counts;
        }
    }

    private void Record(string tensor, FloatFormat format, Tensor values)
    {
        var (saturated, underflowed) = format.Count(values);
        lock (_counts) // backward may run on another thread
            _counts.Add(new RoundingCount(tensor, format.Name, values.numel(), saturated, underflowed));
    }

    private static string LayerName(ParameterDescriptor descriptor) =>
        descriptor.Name.EndsWith(".weight", StringComparison.Ordinal) ? descriptor.Name[..^".weight".Length] : descriptor.Name;
}
