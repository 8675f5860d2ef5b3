namespace Forge.Abstractions.Precision;

/// <summary>
/// Implemented by precision policies that round values to a narrow format, so users can see which tensors
/// saturate or underflow (what one debugs in FP8). Counting reads values back from the device, so the host
/// switches it on only for the steps it logs.
/// </summary>
public interface IRoundingStatistics
{
    /// <summary>Whether the policy counts in the following forward and backward passes.</summary>
    bool Counting { get; set; }

    /// <summary>The counts recorded since the last call (one entry per rounded tensor and pass), then forgets them.</summary>
    IReadOnlyList<RoundingCount> Collect();
}

/// <summary>How one tensor fared when rounded to a format.</summary>
/// <param name="Tensor">The tensor, e.g. <c>blocks.0.mlp.up.weight</c>, <c>blocks.0.mlp.up.input</c> or <c>blocks.0.mlp.up.grad</c>.</param>
/// <param name="Format">The format it was rounded to, e.g. <c>E4M3</c>.</param>
/// <param name="Elements">How many values were rounded.</param>
/// <param name="Saturated">Values beyond the format's maximum (clamped to it).</param>
/// <param name="Underflowed">Non-zero values that rounded to zero.</param>
public sealed record RoundingCount(string Tensor, string Format, long Elements, long Saturated, long Underflowed);
