using Forge.Abstractions.Parametrizations;
using Forge.Core.Errors;
using Forge.Tests.Support;

namespace Forge.Tests.Plugins;

/// <summary>
/// mup's depthRule against CompleteP's Table 1 (Dey et al. 2025, AdamW column; docs/reference/depth.md), computed by
/// hand at two depths with base depth 2 and base width = width, so every width factor is 1.
/// </summary>
public class DepthRuleTests
{
    private static TestExperiment Gpt(int depth, string rule, string optimizer = "adamw", double? alpha = null) =>
        TestExperiment.Build(TestSpecs.Gpt(32, steps: 2).With($"model.depth={depth}",
            $"parametrization={{\"name\":\"mup\",\"baseWidth\":32,\"baseDepth\":2,\"depthRule\":\"{rule}\"{(alpha is null ? "" : $",\"depthAlpha\":{alpha}")}}}",
            $"optimizer={{\"name\":\"{optimizer}\",\"lr\":0.01}}"));

    private static IReadOnlyList<double> Branches(TestExperiment test) =>
        test.Experiment.Scales.Where(s => s.Kind == "residual multiplier").Select(s => s.Value).ToList();

    [Theory]
    // depth, rule, alpha, m_L^-alpha (branches), m_L^(alpha-1) (in-block learning rates), m_L^-alpha (hidden epsilon)
    [InlineData(4, "completep", null, 0.5, 1.0, 0.5)]
    [InlineData(8, "completep", null, 0.25, 1.0, 0.25)]
    [InlineData(8, "completep", 0.75, 0.35355339059327373, 0.70710678118654757, 0.35355339059327373)] // m_L = 4: 4^-0.75, 4^-0.25
    [InlineData(4, "depthMup", null, 0.70710678118654757, 0.70710678118654757, 0.70710678118654757)]
    [InlineData(8, "depthMup", null, 0.5, 0.5, 0.5)]
    public void The_factors_are_table_1s(int depth, string rule, double? alpha, double branch, double inBlockLr, double hiddenEpsilon)
    {
        using var test = Gpt(depth, rule, alpha: alpha);
        var p = test.ByName;

        Assert.Equal(2 * depth, Branches(test).Count);
        Assert.All(Branches(test), b => Assert.Equal(branch, b, 12));
        foreach (var name in new[] { "blocks.0.attention.query.weight", $"blocks.{depth - 1}.mlp.down.weight" })
        {
            Assert.Equal(inBlockLr, p[name].Scaling.LearningRateFactor, 12);
            Assert.Equal(inBlockLr, p[name].Scaling.DepthLearningRateFactor, 12);
            Assert.Equal(hiddenEpsilon, p[name].Scaling.EpsilonFactor, 12);
            Assert.Equal(1.0, p[name].Scaling.WeightDecayFactor, 12); // Table 1: hidden decay λ·m_N, no depth part
        }
        Assert.Equal(inBlockLr, p["blocks.0.attention_norm.weight"].Scaling.LearningRateFactor, 12); // pre-LN gains
        Assert.Equal(inBlockLr, p["blocks.0.attention.query.bias"].Scaling.LearningRateFactor, 12); // hidden biases
        Assert.Equal(1.0, p["blocks.0.attention_norm.weight"].Scaling.EpsilonFactor); // ε is corrected on hidden weights only
        foreach (var outside in new[] { "embedding_tokens.weight", "norm.weight", "readout.weight" })
            Assert.Equal((1.0, 1.0), (p[outside].Scaling.LearningRateFactor, p[outside].Scaling.EpsilonFactor));
    }

    [Fact]
    public void Without_a_depth_rule_mup_is_unchanged_at_any_depth()
    {
        using var test = Gpt(8, "none");

        Assert.All(Branches(test), b => Assert.Equal(1.0, b));
        Assert.All(test.Experiment.Parameters, p => Assert.Equal((1.0, 1.0), (p.Scaling.DepthLearningRateFactor, p.Scaling.EpsilonFactor)));
    }

    [Fact]
    public void Sgd_keeps_depth_mups_rate_and_refuses_completep()
    {
        using (var depthMup = Gpt(8, "depthMup", "sgd"))
        {
            Assert.All(Branches(depthMup), b => Assert.Equal(0.5, b, 12));
            Assert.Equal(1.0, depthMup.ByName["blocks.0.attention.query.weight"].Scaling.DepthLearningRateFactor); // Tensor Programs VI: no correction under SGD
        }

        var error = Assert.Throws<RunSetupException>(() => Gpt(8, "completep", "sgd").Dispose());
        Assert.Contains("parametrization.depthRule \"completep\"", error.Message);
        Assert.Contains("depthRule \"depthMup\"", error.Message);
    }

    [Fact]
    public void DepthAlpha_without_completep_is_a_spec_error()
    {
        var error = Record.Exception(() => Gpt(4, "depthMup", alpha: 0.75).Dispose());

        Assert.NotNull(error);
        Assert.Contains("depthAlpha", error.Message);
        Assert.Contains("set depthRule to \"completep\"", error.Message);
    }
}
