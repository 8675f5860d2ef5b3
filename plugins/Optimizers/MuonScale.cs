namespace Forge.Plugins.Optimizers;

/// <summary>
/// How <c>muon</c> sizes the orthogonalised update O of a (fan_out × fan_in) matrix, whose singular values are all
/// near 1: the step is <c>lr · scale · O</c> (before the parametrization's forward multiplier is undone, see
/// <see cref="MuonOptimizer"/>). The <c>scale</c> option of <c>muon</c>.
/// </summary>
public enum MuonScale
{
    /// <summary>
    /// √(fan_out/fan_in): the update's spectral norm is the spectral condition's target (Yang, Simon &amp; Bernstein
    /// 2023, condition 2; Bernstein &amp; Newhouse 2024), so lr transfers across width in both dimensions.
    /// </summary>
    Spectral,

    /// <summary>max(1, fan_out/fan_in)^½: KellerJordan/Muon's step (Jordan et al. 2024), which never shrinks a wide-input matrix's update below lr.</summary>
    Jordan,

    /// <summary>
    /// 0.2·√max(fan_out, fan_in): Moonlight's step (Liu et al. 2025, "Muon is scalable for LLM training", §2, consistent update RMS; MoonshotAI/Moonlight),
    /// which gives the update the RMS of a typical AdamW update (0.2–0.4), so lr and weight decay can be AdamW's.
    /// </summary>
    Moonlight,
}

/// <summary>The factor each <see cref="MuonScale"/> gives a matrix.</summary>
public static class MuonScales
{
    /// <summary>The scale of a <paramref name="fanOut"/> × <paramref name="fanIn"/> matrix's orthogonalised update.</summary>
    public static double Of(MuonScale scale, long fanOut, long fanIn) => scale switch
    {
        MuonScale.Spectral => Math.Sqrt((double)fanOut / fanIn),
        MuonScale.Jordan => Math.Sqrt(Math.Max(1.0, (double)fanOut / fanIn)),
        MuonScale.Moonlight => 0.2 * Math.Sqrt(Math.Max(fanOut, fanIn)),
        _ => throw new ArgumentOutOfRangeException(nameof(scale), scale, null),
    };
}
