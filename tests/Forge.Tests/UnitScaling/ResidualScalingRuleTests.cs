using Forge.Abstractions.UnitScaling;

namespace Forge.Tests.UnitScaling;

/// <summary>
/// u-μP's τ rule (docs/reference/umup.md): propagating unit variances through (τ·f + x)/√(1+τ²) branch by branch, the final
/// stream's variance splits as embedding : attention branches : MLP branches = 1 : α_attn² : α_mlp² (each share
/// times L_b/2), with α_mlp = α_res·√(2/(1+ρ²)) and α_attn = ρ·α_mlp; graphcore's test checks the same two ratios.
/// </summary>
public class ResidualScalingRuleTests
{
    /// <summary>Shares of the final variance: (embedding, all attention branches, all MLP branches).</summary>
    private static (double Embedding, double Attention, double Mlp) Shares(double[] taus)
    {
        double embedding = 1, attention = 0, mlp = 0;
        for (int i = 0; i < taus.Length; i++)
        {
            double keep = 1 / (1 + taus[i] * taus[i]), added = taus[i] * taus[i] * keep;
            (embedding, attention, mlp) = (embedding * keep, attention * keep, mlp * keep);
            if (i % 2 == 0) attention += added; else mlp += added;
        }
        return (embedding, attention, mlp);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(24)]
    public void Defaults_give_embedding_attention_and_mlp_a_third_each_at_any_depth(int layers)
    {
        var (embedding, attention, mlp) = Shares(ResidualScalingRule.Taus(2 * layers));

        Assert.Equal(1 / 3.0, embedding, 12);
        Assert.Equal(1 / 3.0, attention, 12);
        Assert.Equal(1 / 3.0, mlp, 12);
    }

    [Theory]
    [InlineData(1.0, 0.5)]
    [InlineData(2.0, 1.0)]
    [InlineData(0.5, 3.0)]
    public void Alpha_res_sets_branches_against_embedding_and_the_ratio_sets_attention_against_mlp(double alphaRes, double ratio)
    {
        var (embedding, attention, mlp) = Shares(ResidualScalingRule.Taus(8, alphaRes, ratio));

        Assert.Equal(ratio * ratio, attention / mlp, 10);
        Assert.Equal(2 * alphaRes * alphaRes, (attention + mlp) / embedding, 10);
    }

    [Fact]
    public void First_branches_of_a_four_layer_stack_match_the_formula()
    {
        var taus = ResidualScalingRule.Taus(8);

        Assert.Equal(0.5, taus[0], 12); // 1/√(8/2)
        Assert.Equal(1 / Math.Sqrt(5), taus[1], 12); // 1/√(4 + 1)
        Assert.Equal(1 / Math.Sqrt(11), taus[7], 12);
    }
}
