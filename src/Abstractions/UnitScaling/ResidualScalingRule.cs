namespace Forge.Abstractions.UnitScaling;

/// <summary>
/// u-μP's residual rule (Blake et al. 2024; graphcore's <c>transformer_residual_scaling_rule</c>;
/// docs/reference/umup.md). A transformer stack has <c>L_b = 2·layers</c> branches, attention at even indices and
/// MLP at odd ones. With <c>α_mlp = α_res·√(2/(1+ρ²))</c> and <c>α_attn = ρ·α_mlp</c>, branch i gets
/// <c>τ_i = α_i / √(L_b/2 + Σ_{j&lt;i} α_j²)</c>. The final stream's variance is then split as
/// embedding : all attention branches : all MLP branches = 1 : α_attn² : α_mlp², so with the defaults (1, 1) each
/// contributes a third, whatever the depth (the per-branch weight decays like 1/√L, as in Depth-μP).
/// </summary>
public static class ResidualScalingRule
{
    /// <summary>τ for each of <paramref name="branches"/> branches.</summary>
    /// <param name="branches">Number of residual branches (2 per transformer layer).</param>
    /// <param name="residualMultiplier">α_res: branches relative to the embedding.</param>
    /// <param name="attentionRatio">α_res-attn-ratio (ρ): attention branches relative to MLP branches.</param>
    public static double[] Taus(int branches, double residualMultiplier = 1.0, double attentionRatio = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(branches);
        double mlp = residualMultiplier * Math.Sqrt(2 / (1 + attentionRatio * attentionRatio));
        double attention = attentionRatio * mlp;
        var taus = new double[branches];
        double variance = branches / 2.0;
        for (int i = 0; i < branches; i++)
        {
            double alpha = i % 2 == 0 ? attention : mlp;
            taus[i] = alpha / Math.Sqrt(variance);
            variance += alpha * alpha;
        }
        return taus;
    }
}
