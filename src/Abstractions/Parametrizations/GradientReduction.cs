namespace Forge.Abstractions.Parametrizations;

/// <summary>
/// How one tensor's gradients, each computed on one of <c>P</c> equal parts of a batch (a rank's slice, a micro-batch),
/// combine into the gradient of the whole batch: <c>Σ_parts g · P^(−PartsExponent)</c>. Under a loss averaged over the
/// batch every gradient is a mean over its rows, so the whole batch's gradient is the mean of the parts'
/// (<see cref="Mean"/>, exponent 1). u-μP's unit-scaled ops scale every weight gradient by <c>rows^-½</c> (linear,
/// embedding, norm gains, broadcast additions) and its losses pass a per-row gradient that does not depend on the
/// batch, so the parts' gradients add up with <c>P^-½</c> (<see cref="UnitScaled"/>). The data-parallel all-reduce
/// and gradient accumulation apply the same factor.
/// </summary>
/// <param name="PartsExponent">The exponent of the number of parts in the factor applied to the parts' sum.</param>
public readonly record struct GradientReduction(double PartsExponent)
{
    /// <summary>The parts' mean: gradients of a loss averaged over the batch (sp, mup, spectral, abc).</summary>
    public static GradientReduction Mean => new(1.0);

    /// <summary>The parts' sum times <c>P^-½</c>: gradients scaled by <c>batch^-½</c> (u-μP's unit-scaled ops).</summary>
    public static GradientReduction UnitScaled => new(0.5);

    /// <summary>The factor that multiplies the sum of <paramref name="parts"/> parts' gradients.</summary>
    public double Factor(int parts) => Math.Pow(parts, -PartsExponent);
}
