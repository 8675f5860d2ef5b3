using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Tests.Support;

namespace Forge.Tests.Plugins;

/// <summary>
/// mup's <c>base</c>: width multipliers from a base model's shapes (microsoft/mup's set_base_shapes), so heads, head
/// size and MLP width scale independently; values computed by hand.
/// </summary>
public class BaseModelTests
{
    private static TestExperiment Gpt(int width, string heads, string mlpRatio, string baseModel)
    {
        var spec = TestSpecs.Gpt(width).With($"parametrization={{\"name\":\"mup\",\"base\":{baseModel}}}", $"model.mlpRatio={mlpRatio}");
        var model = spec["model"]!.AsObject();
        model.Remove("headDim");
        foreach (var (key, value) in JsonNode.Parse(heads)!.AsObject())
            model[key] = value?.DeepClone();
        return TestExperiment.Build(spec);
    }

    private static double Lr(TestExperiment t, string name) => t.ByName[name].Scaling.LearningRateFactor;

    private static double AttentionScale(TestExperiment t) => t.Experiment.Scales.First(s => s.Kind == "attention logit scale").Value;

    [Fact]
    public void More_heads_of_the_same_size_scale_every_width_dimension()
    {
        // base: 4 heads of 16 (width 64); target: 8 heads of 16 (width 128)
        using var test = Gpt(128, "{\"headDim\":16}", "4", "{\"width\":64}");

        Assert.Equal(0.5, Lr(test, "blocks.0.attention.query.weight"), 12); // Adam: 1/m_in, m_in = 2
        Assert.Equal(0.5, Lr(test, "blocks.0.mlp.down.weight"), 12);
        Assert.Equal(1.0, Lr(test, "embedding_tokens.weight"), 12);
        Assert.Equal(0.5, test.ByName["readout.weight"].Multiplier, 12); // α_out/m
        Assert.Equal(1.0 / 16, AttentionScale(test), 12);               // α_attn/d_head, d_head unchanged
    }

    [Fact]
    public void Larger_heads_at_a_fixed_count_scale_the_same_dimensions_and_the_attention_scale_follows_the_head_size()
    {
        // base: 4 heads of 16 (width 64); target: 4 heads of 32 (width 128)
        using var test = Gpt(128, "{\"heads\":4}", "4", "{\"width\":64}");

        Assert.Equal(0.5, Lr(test, "blocks.0.attention.query.weight"), 12);
        Assert.Equal(0.5, test.ByName["readout.weight"].Multiplier, 12);
        Assert.Equal(1.0 / 32, AttentionScale(test), 12); // μP's 1/d: the logits stay Θ(1) as heads grow
    }

    [Fact]
    public void A_wider_mlp_at_a_fixed_model_width_scales_only_the_mlp_dimension()
    {
        // base: width 64, mlpRatio 4; target: width 64, mlpRatio 8. baseWidth alone (= width) would see nothing grow.
        using var test = Gpt(64, "{\"headDim\":16}", "8", "{\"mlpRatio\":4}");
        using var analytic = TestExperiment.Build(TestSpecs.Gpt(64).With("parametrization={\"name\":\"mup\",\"baseWidth\":64}", "model.mlpRatio=8"));

        var up = test.ByName["blocks.0.mlp.up.weight"].Scaling;
        var down = test.ByName["blocks.0.mlp.down.weight"].Scaling;
        Assert.Equal((1.0, 2.0), (up.FanInMultiplier, up.FanOutMultiplier));
        Assert.Equal((2.0, 1.0), (down.FanInMultiplier, down.FanOutMultiplier));
        Assert.Equal(1.0, Lr(test, "blocks.0.mlp.up.weight"), 12);   // fan-in unchanged
        Assert.Equal(0.5, Lr(test, "blocks.0.mlp.down.weight"), 12); // fan-in twice the base's
        Assert.Equal(1.0, Lr(test, "blocks.0.attention.query.weight"), 12);
        Assert.Equal(1.0, test.ByName["readout.weight"].Multiplier, 12);
        Assert.Equal(1.0, Lr(analytic, "blocks.0.mlp.down.weight"), 12); // what one baseWidth gives
    }

    [Fact]
    public void A_base_model_that_does_not_resolve_or_lacks_a_tensor_is_refused_naming_the_field()
    {
        var unknown = Assert.Throws<RunSetupException>(() => Gpt(128, "{\"headDim\":16}", "4", "{\"widht\":64}").Dispose());
        var deeper = Assert.Throws<RunSetupException>(() => Gpt(128, "{\"headDim\":16}", "4", "{\"width\":64,\"depth\":1}").Dispose());

        Assert.Contains("parametrization.base", unknown.Message);
        Assert.Contains("widht", unknown.Message);
        Assert.Contains("parametrization.base: the base model has no tensor blocks.1.", deeper.Message);
    }
}
