using Forge.Abstractions.Parametrizations;
using Forge.Tests.Support;
using Forge.Core.Composition;
using Forge.Core.Runs;

namespace Forge.Tests.Plugins;

/// <summary>
/// <c>mup</c> against TP5 Table 8 / microsoft/mup (docs/reference/mup.md), on an mlp and a gpt at two widths with
/// base width 64.
/// </summary>
public class MupParametrizationTests
{
    private static TestExperiment Mlp(int width, string optimizer = "adamw") => TestExperiment.Build(TestSpecs.SyntheticRegression()
        .With($"model.width={width}", "parametrization={\"name\":\"mup\",\"baseWidth\":64,\"inputMultiplier\":2,\"outputMultiplier\":3}",
              $"optimizer={{\"name\":\"{optimizer}\",\"lr\":0.01,\"weightDecay\":0.1}}"));

    [Theory]
    [InlineData(128, 2.0)]
    [InlineData(256, 4.0)]
    public void Mlp_with_adam_follows_table_8(int width, double m)
    {
        using var test = Mlp(width);
        var p = test.ByName;

        // input weight (fixed fan-in 8): PyTorch init, x alpha_in, Adam LR x1
        Assert.Equal(Initialization.Uniform(1 / Math.Sqrt(8)), p["input.weight"].Scaling.Init);
        Assert.Equal((2.0, 1.0), (p["input.weight"].Multiplier, p["input.weight"].Scaling.LearningRateFactor));
        // hidden weight: var 1/fan_in at the actual width (= sigma0^2/m), Adam LR / m_in, coupled WD x m_in
        Assert.Equal(Initialization.Uniform(1 / Math.Sqrt(width)), p["hidden.0.weight"].Scaling.Init);
        Assert.Equal((1.0, 1 / m, m), (p["hidden.0.weight"].Multiplier, p["hidden.0.weight"].Scaling.LearningRateFactor, p["hidden.0.weight"].Scaling.WeightDecayFactor));
        // hidden bias: width-independent init (1/sqrt(base fan-in)), Adam LR x1
        Assert.Equal(Initialization.Uniform(1 / 8.0), p["hidden.0.bias"].Scaling.Init);
        Assert.Equal(1.0, p["hidden.0.bias"].Scaling.LearningRateFactor);
        // readout: zero init, alpha_out / m on its input, Adam LR x1; its bias zero and unmultiplied
        Assert.Equal(Initialization.Zeros, p["readout.weight"].Scaling.Init);
        Assert.Equal(3.0 / m, p["readout.weight"].Multiplier, 12);
        Assert.Equal(1.0, p["readout.weight"].Scaling.LearningRateFactor);
        Assert.Equal((Initialization.Zeros, 1.0), (p["readout.bias"].Scaling.Init, p["readout.bias"].Multiplier));
        Assert.Equal(0f, p["readout.weight"].Value.abs().sum().item<float>());
    }

    [Theory]
    [InlineData(128, 2.0)]
    [InlineData(256, 4.0)]
    public void Mlp_with_sgd_follows_table_8(int width, double m)
    {
        using var test = Mlp(width, "sgd");
        var p = test.ByName;

        Assert.Equal((m, 1 / m), (p["input.weight"].Scaling.LearningRateFactor, p["input.weight"].Scaling.WeightDecayFactor)); // vector-like: x m
        Assert.Equal((1.0, 1.0), (p["hidden.0.weight"].Scaling.LearningRateFactor, p["hidden.0.weight"].Scaling.WeightDecayFactor)); // m_out/m_in
        Assert.Equal(m, p["hidden.0.bias"].Scaling.LearningRateFactor);
        Assert.Equal(m, p["readout.weight"].Scaling.LearningRateFactor); // vector-like (fan-in scales)
        Assert.Equal(1.0, p["readout.bias"].Scaling.LearningRateFactor); // scalar-like
    }

    [Theory]
    [InlineData(64, 2.0)]
    [InlineData(128, 4.0)]
    public void Gpt_follows_the_transformer_rules(int width, double m)
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(width).With("parametrization={\"name\":\"mup\",\"baseWidth\":32,\"attnMultiplier\":2}"));
        var p = test.ByName;

        Assert.Equal(Initialization.Normal(1), p["embedding_tokens.weight"].Scaling.Init);
        Assert.Equal(1.0, p["embedding_tokens.weight"].Scaling.LearningRateFactor);
        Assert.Equal(Initialization.Zeros, p["blocks.0.attention.query.weight"].Scaling.Init);
        Assert.Equal(Initialization.Uniform(1 / Math.Sqrt(width)), p["blocks.0.attention.key.weight"].Scaling.Init);
        Assert.Equal(1 / m, p["blocks.1.mlp.up.weight"].Scaling.LearningRateFactor);
        Assert.Equal(Initialization.Uniform(1 / Math.Sqrt(4 * width)), p["blocks.1.mlp.down.weight"].Scaling.Init);
        Assert.Equal(1 / m, p["blocks.1.mlp.down.weight"].Scaling.LearningRateFactor);
        Assert.Equal((Initialization.Ones, 1.0), (p["blocks.0.attention_norm.weight"].Scaling.Init, p["blocks.0.attention_norm.weight"].Scaling.LearningRateFactor));
        Assert.Equal(1 / m, p["readout.weight"].Multiplier, 12);
        var attention = test.Experiment.Scales.Where(s => s.Kind == "attention logit scale").ToList();
        Assert.Equal(2, attention.Count);
        Assert.All(attention, s => Assert.Equal(2.0 / 8, s.Value)); // alpha_attn / d_head, d_head = 8
    }

    [Fact]
    public void A_tied_readout_keeps_the_embedding_rule_gets_the_output_multiplier_and_is_trained_once()
    {
        using var tied = TestExperiment.Build(TestSpecs.Gpt(64).With("model.tieEmbeddings=true", "parametrization={\"name\":\"mup\",\"baseWidth\":32,\"outputMultiplier\":4}"));
        using var untied = TestExperiment.Build(TestSpecs.Gpt(64).With("parametrization={\"name\":\"mup\",\"baseWidth\":32}"));

        Assert.False(tied.ByName.ContainsKey("readout.weight"));
        var readout = Assert.Single(tied.Experiment.TiedUses);
        Assert.Equal(4.0 / 2, readout.Multiplier, 12);
        Assert.Same(tied.ByName["embedding_tokens.weight"].Value, readout.Value);
        Assert.Equal(1.0, tied.ByName["embedding_tokens.weight"].Scaling.LearningRateFactor);
        long readoutSize = 65 * 64 + 65; // weight + bias of the untied readout
        Assert.Equal(untied.Experiment.ParameterCount - readoutSize, tied.Experiment.ParameterCount);
        Assert.Equal(tied.Experiment.ParameterCount, tied.Experiment.Optimizer.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void The_init_scales_multiply_each_role_s_initial_scale_and_leave_zeros_and_the_rest_alone()
    {
        using var test = TestExperiment.Build(TestSpecs.SyntheticRegression().With("model.width=128",
            "parametrization={\"name\":\"mup\",\"baseWidth\":64,\"inputInitScale\":0.5,\"hiddenInitScale\":2,\"outputInitScale\":3}"));
        using var unread = TestExperiment.Build(TestSpecs.SyntheticRegression().With("model.width=128",
            "parametrization={\"name\":\"mup\",\"baseWidth\":64,\"zeroReadout\":false,\"outputInitScale\":3}"));
        var p = test.ByName;

        Assert.Equal(Initialization.Uniform(0.5 / Math.Sqrt(8)), p["input.weight"].Scaling.Init);
        Assert.Equal(Initialization.Uniform(2 / Math.Sqrt(128)), p["hidden.0.weight"].Scaling.Init);
        Assert.Equal(Initialization.Uniform(1 / 8.0), p["hidden.0.bias"].Scaling.Init); // biases keep the rule's init
        Assert.Equal(Initialization.Zeros, p["readout.weight"].Scaling.Init); // a zero readout stays zero
        Assert.Equal(Initialization.Uniform(3 / Math.Sqrt(64)), unread.ByName["readout.weight"].Scaling.Init); // x3 on U(1/sqrt(base fan-in))
        Assert.Equal(2 / Math.Sqrt(128), p["hidden.0.weight"].Value.abs().max().item<float>(), 2); // the tensor is drawn at that scale
        Assert.Equal(p["hidden.0.weight"].Scaling.LearningRateFactor, Mlp(128).ByName["hidden.0.weight"].Scaling.LearningRateFactor); // rates untouched
    }

    [Fact]
    public void At_the_base_width_mup_with_matching_constants_is_the_same_function_as_sp()
    {
        const string matching = "parametrization={\"name\":\"mup\",\"baseWidth\":32,\"zeroReadout\":false,\"zeroQuery\":false,\"attnMultiplier\":2.8284271247461903}";
        using var mupMlp = TestExperiment.Build(TestSpecs.SyntheticRegression().With("model.width=32", matching));
        using var spMlp = TestExperiment.Build(TestSpecs.SyntheticRegression().With("model.width=32"));
        using var mupGpt = TestExperiment.Build(TestSpecs.Gpt(32).With(matching)); // d_head 8: sqrt(8)/8 = 1/sqrt(8)
        using var spGpt = TestExperiment.Build(TestSpecs.Gpt(32, parametrization: "sp"));

        Assert.Equal(spMlp.LossOnFirstBatch(), mupMlp.LossOnFirstBatch());
        Assert.Equal(spGpt.LossOnFirstBatch(), mupGpt.LossOnFirstBatch(), 5);
        Assert.NotEqual(spGpt.LossOnFirstBatch(), TestExperiment.Build(TestSpecs.Gpt(64)).LossOnFirstBatch());
    }

    [Fact]
    public async Task With_a_zero_readout_the_first_loss_is_identical_at_every_width()
    {
        var losses = new List<double>();
        foreach (int width in new[] { 32, 64, 128 })
        {
            using var dir = new TempDirectory();
            var result = await CliRunner.RunSpecAsync(dir, TestSpecs.Gpt(width, steps: 2));
            Assert.True(result.ExitCode == 0, result.Error);
            var first = File.ReadLines(Path.Combine(CliRunner.RunFolder(dir), "metrics.jsonl")).First();
            losses.Add(System.Text.Json.Nodes.JsonNode.Parse(first)!["loss"]!.GetValue<double>());
        }

        Assert.Equal(Math.Log(65), losses[0], 5); // zero logits: uniform over the 65 characters
        Assert.All(losses, l => Assert.Equal(losses[0], l));
    }

    /// <summary>
    /// decoupledWeightDecay reproduces what microsoft/mup computes with decoupled_wd=True (every WD factor 1); under
    /// independent decay, which is what that flag is meant for and which already removes λ·s(t) from every tensor,
    /// it would make hidden matrices decay by λ·s(t)/m_in, so the combination is refused.
    /// </summary>
    [Theory]
    [InlineData("independent", true, true)]
    [InlineData("decoupled", true, false)]
    [InlineData("independent", false, false)]
    public void DecoupledWeightDecay_with_independent_decay_is_refused(string mode, bool flag, bool refused)
    {
        var spec = TestSpecs.SyntheticRegression().With("model.width=128",
            $"parametrization={{\"name\":\"mup\",\"baseWidth\":64,\"decoupledWeightDecay\":{(flag ? "true" : "false")}}}",
            $"optimizer={{\"name\":\"adamw\",\"lr\":0.01,\"weightDecay\":0.1,\"weightDecayMode\":\"{mode}\"}}");

        var error = Record.Exception(() => TestExperiment.Build(spec).Dispose());

        if (!refused)
            Assert.Null(error);
        else
        {
            Assert.IsType<Forge.Core.Errors.RunSetupException>(error);
            Assert.Contains("parametrization.decoupledWeightDecay", error.Message);
            Assert.Contains("Leave decoupledWeightDecay false with independent decay", error.Message);
        }
    }

    /// <summary>epsilon: gradient divides Adam's ε by each tensor's width multiplier (its gradient's scale under μP).</summary>
    [Fact]
    public void Epsilon_gradient_follows_each_tensors_gradient_scale()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(128).With("parametrization={\"name\":\"mup\",\"baseWidth\":32,\"epsilon\":\"gradient\"}"));
        using var constant = TestExperiment.Build(TestSpecs.Gpt(128).With("parametrization={\"name\":\"mup\",\"baseWidth\":32}"));
        var p = test.ByName;

        Assert.Equal(0.25, p["blocks.0.attention.query.weight"].Scaling.EpsilonFactor, 12); // m_in = 4
        Assert.Equal(0.25, p["blocks.0.mlp.down.weight"].Scaling.EpsilonFactor, 12);
        Assert.Equal(0.25, p["embedding_tokens.weight"].Scaling.EpsilonFactor, 12); // vector-like: m = 4
        Assert.Equal(0.25, p["readout.weight"].Scaling.EpsilonFactor, 12);
        Assert.Equal(0.25, p["blocks.0.attention_norm.weight"].Scaling.EpsilonFactor, 12);
        Assert.Equal(1.0, p["readout.bias"].Scaling.EpsilonFactor); // scalar-like
        Assert.All(constant.Experiment.Parameters, q => Assert.Equal(1.0, q.Scaling.EpsilonFactor));
    }
}
