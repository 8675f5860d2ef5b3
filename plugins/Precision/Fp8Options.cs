using System.ComponentModel;
using Forge.Abstractions.Precision;

namespace Forge.Plugins.Precision;

/// <summary>Options of the <c>fp8</c> precision policy.</summary>
public sealed class Fp8Options
{
    [Description("Round the gradient flowing back into each matmul to E5M2 (the u-muP recipe); false keeps it float32.")]
    public bool QuantizeGradients { get; set; } = true;

    [Description("Keep the two 'critical' matmuls of each block (attention output and MLP down projection, whose inputs grow during training) in bf16, as the u-muP paper's FP8 recipe does; false puts them in FP8 too.")]
    public bool CriticalMatmulsInBf16 { get; set; } = true;

    [Description("How values are rounded to E4M3 and E5M2: nearest (ties to even, as hardware casts; default) or stochastic (unbiased: up with probability equal to the fraction of the gap, graphcore's simulator default), with random numbers from the run's seeded generator.")]
    public FloatRounding Rounding { get; set; } = FloatRounding.Nearest;
}
