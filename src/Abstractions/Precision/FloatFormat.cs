using static TorchSharp.torch;

namespace Forge.Abstractions.Precision;

/// <summary>
/// A small floating-point format simulated in float32: values are rounded to the format's grid (round to nearest,
/// ties to even), with its subnormals, and saturate at ±<see cref="Max"/>. TorchSharp has no FP8 arithmetic, so FP8
/// training is simulated by rounding matmul inputs to the grid and computing in higher precision.
/// <see cref="E4M3"/> and <see cref="E5M2"/> are the OCP FP8 formats (libtorch's <c>Float8_e4m3fn</c> and
/// <c>Float8_e5m2</c>; the u-muP paper's FP8 recipe uses E4M3 for weights and activations, E5M2 for gradients).
/// The rounding is done in arithmetic (exponent from floor(log2|x|) clamped at the minimum normal exponent,
/// ulp = 2^(e − mantissa bits), round half to even), which matches libtorch's native cast of clamped values bit for
/// bit (docs/reference/precision.md).
/// </summary>
/// <param name="Name">The format's name, e.g. <c>E4M3</c>.</param>
/// <param name="MantissaBits">Stored mantissa bits.</param>
/// <param name="MinNormalExponent">Exponent of the smallest normal number (2^e).</param>
/// <param name="Max">The largest finite value; larger magnitudes (and infinities) saturate to it.</param>
public sealed record FloatFormat(string Name, int MantissaBits, int MinNormalExponent, double Max)
{
    /// <summary>OCP E4M3 (FN): 4 exponent bits, 3 mantissa bits, max 448, min normal 2⁻⁶, min subnormal 2⁻⁹.</summary>
    public static readonly FloatFormat E4M3 = new("E4M3", 3, -6, 448);

    /// <summary>OCP E5M2: 5 exponent bits, 2 mantissa bits, max 57344, min normal 2⁻¹⁴, min subnormal 2⁻¹⁶.</summary>
    public static readonly FloatFormat E5M2 = new("E5M2", 2, -14, 57344);

    /// <summary>The smallest positive (subnormal) value.</summary>
    public double MinSubnormal => Math.Pow(2, MinNormalExponent - MantissaBits);

    /// <summary>
    /// <paramref name="x"/> rounded to this format's grid, as float32: ties to even, saturating at ±Max (infinities
    /// too), NaN kept. Not differentiable; use it on values, or inside a straight-through autograd function.
    /// </summary>
    public Tensor Round(Tensor x)
    {
        using var scope = NewDisposeScope();
        var value = x.to(ScalarType.Float32);
        var magnitude = value.abs().AtMost(Max);
        var exponent = magnitude.log2().floor().clamp_min(MinNormalExponent);
        var ulp = exponent.sub(MantissaBits).exp2();
        var rounded = magnitude.div(ulp).round().mul(ulp).AtMost(Max);
        var result = rounded.mul(value.sign());
        // log2(0) = -inf is clamped above, so zeros come out as 0 (with the sign of x); NaN stays NaN through every step.
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <paramref name="x"/> rounded to this format's grid as <paramref name="rounding"/> says: <see cref="Round(Tensor)"/>
    /// for <see cref="FloatRounding.Nearest"/>; for <see cref="FloatRounding.Stochastic"/>, up to the next grid value
    /// with probability equal to the fraction of the gap below |x| and down otherwise, so the rounding is unbiased
    /// (E[result] = x within range); saturating at ±Max, NaN kept. The random numbers come from torch's default
    /// generator, which a run seeds and checkpoints, so a stochastically rounded run is reproducible and resumes exactly
    /// (added in 1.2).
    /// </summary>
    public Tensor Round(Tensor x, FloatRounding rounding)
    {
        if (rounding == FloatRounding.Nearest)
            return Round(x);
        using var scope = NewDisposeScope();
        var value = x.to(ScalarType.Float32);
        var magnitude = value.abs().AtMost(Max);
        var exponent = magnitude.log2().floor().clamp_min(MinNormalExponent);
        var ulp = exponent.sub(MantissaBits).exp2();
        var steps = magnitude.div(ulp);
        var lower = steps.floor();
        var up = rand_like(steps).lt(steps.sub(lower)); // P(up) = the fraction of the gap: graphcore's srbits = 23 − M
        var rounded = lower.add(up.to(ScalarType.Float32)).mul(ulp).AtMost(Max);
        return rounded.mul(value.sign()).MoveToOuterDisposeScope();
    }

    /// <summary>How many entries of <paramref name="x"/> saturate (|x| &gt; Max, including ±inf) and underflow (non-zero but rounding to 0).</summary>
    public (long Saturated, long Underflowed) Count(Tensor x)
    {
        using var scope = NewDisposeScope();
        var value = x.to(ScalarType.Float32);
        var magnitude = value.abs();
        long saturated = magnitude.gt(Max).sum().item<long>();
        long underflowed = magnitude.gt(0).logical_and(magnitude.le(MinSubnormal / 2)).sum().item<long>(); // at most half the smallest subnormal rounds to 0
        return (saturated, underflowed);
    }
}
