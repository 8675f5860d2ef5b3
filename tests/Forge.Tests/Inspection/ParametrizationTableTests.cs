using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Inspection;

namespace Forge.Tests.Inspection;

/// <summary>
/// What <c>forge inspect</c> reports (read off the built optimizer) against the reference tables:
/// spectral (docs/reference/spectral.md, per layer) and the abc presets (docs/reference/abc.md: (a, b) and c) on mlp and gpt at two widths.
/// </summary>
public class ParametrizationTableTests
{
    private const double Lr = 0.01;

    /// <summary>The tables give every tensor's decay factor, so every role decays here (by default biases and norms do not).</summary>
    private const string AllRolesDecay = "training.weightDecayRoles=[\"embedding\",\"input\",\"hidden\",\"output\",\"bias\",\"normGain\",\"normBias\"]";

    private static Dictionary<string, ParameterRow> Inspect(JsonObject spec)
    {
        using var test = TestExperiment.Build(spec.With($"optimizer.lr={Lr}", "training.schedule={\"decay\":\"constant\"}", AllRolesDecay));
        return InspectionReport.From(test.Experiment).Rows.ToDictionary(r => r.Name);
    }

    private static JsonObject Mlp(int width, string parametrization, string optimizer = "adamw") => TestSpecs.SyntheticRegression()
        .With($"model.width={width}", "model.depth=1", $"parametrization={parametrization}", $"optimizer={{\"name\":\"{optimizer}\",\"weightDecay\":0.1}}");

    [Theory]
    [InlineData(32)]
    [InlineData(128)]
    public void Sp_gives_every_tensor_the_global_rate_and_pytorch_init_on_mlp_and_gpt(int width)
    {
        var mlp = Inspect(Mlp(width, "{\"name\":\"sp\"}"));
        var gpt = Inspect(TestSpecs.Gpt(width, parametrization: "sp"));

        Assert.All(mlp.Values.Concat(gpt.Values), r => Assert.Equal((Lr, 0.1, 1.0), (r.LearningRate, r.WeightDecay, r.ForwardMultiplier)));
        Assert.Equal(1 / Math.Sqrt(3 * width), mlp["hidden.0.weight"].InitStd, 12); // U(±1/√fan_in)
        Assert.Equal(1 / Math.Sqrt(3 * 4 * width), gpt["blocks.0.mlp.down.weight"].InitStd, 12);
        Assert.Equal(1.0, gpt["embedding_tokens.weight"].InitStd);
        Assert.Equal(1 / Math.Sqrt(3 * width), gpt["readout.weight"].InitStd, 12);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    public void Spectral_mlp_matches_the_per_layer_table(int width)
    {
        const int features = 8, outputs = 2, baseWidth = 64;
        var adam = Inspect(Mlp(width, "{\"name\":\"spectral\",\"baseWidth\":64}"));
        var sgd = Inspect(Mlp(width, "{\"name\":\"spectral\",\"baseWidth\":64}", "sgd"));

        // input (d fixed -> n): sigma 1/sqrt(d) when n >= d; SGD lr ∝ n; Adam lr constant
        Assert.Equal(1 / Math.Sqrt(features), adam["input.weight"].InitStd, 12);
        Assert.Equal(Lr, adam["input.weight"].LearningRate, 12);
        Assert.Equal(Lr * width / baseWidth, sgd["input.weight"].LearningRate, 12);
        // hidden (n -> n): sigma 1/sqrt(n); SGD constant; Adam ∝ 1/n
        Assert.Equal(1 / Math.Sqrt(width), adam["hidden.0.weight"].InitStd, 12);
        Assert.Equal(Lr * baseWidth / width, adam["hidden.0.weight"].LearningRate, 12);
        Assert.Equal(Lr, sgd["hidden.0.weight"].LearningRate, 12);
        // output (n -> c): sigma sqrt(c)/n; SGD and Adam ∝ 1/n
        Assert.Equal(Math.Sqrt(outputs) / width, adam["readout.weight"].InitStd, 12);
        Assert.Equal(Lr * baseWidth / width, adam["readout.weight"].LearningRate, 12);
        Assert.Equal(Lr * baseWidth / width, sgd["readout.weight"].LearningRate, 12);
        // biases: fan-in 1, zero init; SGD ∝ fan_out; Adam constant
        Assert.Equal(0, adam["hidden.0.bias"].InitStd);
        Assert.Equal(Lr * width / baseWidth, sgd["hidden.0.bias"].LearningRate, 12);
        Assert.Equal(Lr, adam["hidden.0.bias"].LearningRate, 12);
        Assert.All(adam.Values, r => Assert.Equal(1.0, r.ForwardMultiplier));
    }

    [Theory]
    [InlineData(64)]
    [InlineData(128)]
    public void Spectral_gpt_scales_expanding_and_contracting_layers(int width)
    {
        var rows = Inspect(TestSpecs.Gpt(width).With("parametrization={\"name\":\"spectral\",\"baseWidth\":32}"));

        Assert.Equal(1 / Math.Sqrt(width), rows["blocks.0.mlp.up.weight"].InitStd, 12); // n -> 4n: min(1, 2) = 1
        Assert.Equal(1 / (4 * Math.Sqrt(width)), rows["blocks.0.mlp.down.weight"].InitStd, 12); // 4n -> n: sqrt(1/4)/sqrt(4n)
        Assert.Equal(Lr * 32 / width, rows["blocks.0.mlp.down.weight"].LearningRate, 12); // Adam ∝ 1/fan_in
        Assert.Equal(1.0, rows["embedding_tokens.weight"].InitStd); // one-hot input
        Assert.Equal(Math.Min(1, Math.Sqrt(65.0 / width)) / Math.Sqrt(width), rows["readout.weight"].InitStd, 12); // sqrt(c)/n once n >= c
    }

    public static TheoryData<string, double[], double[]> AdamPresets => new()
    {
        // preset, (a, b) of embedding / hidden / readout, c of embedding / hidden / readout for Adam with full alignment (docs/reference/abc.md)
        { "standard", new[] { 0.0, 0.0, 0.0, 0.5, 0.0, 0.5 }, new[] { 0.0, 1.0, 1.0 } },
        { "ntk", new[] { 0.0, 0.0, 0.5, 0.0, 0.5, 0.0 }, new[] { 0.0, 0.5, 0.5 } },
        { "mup", new[] { -0.5, 0.5, 0.0, 0.5, 0.5, 0.5 }, new[] { 0.5, 1.0, 0.5 } },
        { "meanfield", new[] { -0.5, 0.5, 0.0, 0.5, 1.0, 0.0 }, new[] { 0.5, 1.0, 0.0 } },
    };

    [Theory]
    [MemberData(nameof(AdamPresets))]
    public void Abc_presets_on_gpt_match_the_exponent_tables(string preset, double[] ab, double[] c)
    {
        foreach (int width in new[] { 32, 128 })
        {
            var rows = Inspect(TestSpecs.Gpt(width).With($"parametrization={{\"name\":\"abc\",\"preset\":\"{preset}\",\"baseWidth\":32}}"));
            double m = width / 32.0;

            void Check(string name, int layer, double n)
            {
                var row = rows[name];
                Assert.Equal(Math.Pow(n, -ab[2 * layer]), row.ForwardMultiplier, 12);
                Assert.Equal(Math.Pow(n, -ab[2 * layer + 1]), row.InitStd, 12);
                Assert.Equal(Lr * Math.Pow(m, -c[layer]), row.LearningRate, 12);
                Assert.Equal(0.1 * Lr, row.LearningRate * row.WeightDecay, 12); // lr * wd is the same for every tensor
            }

            Check("embedding_tokens.weight", 0, width);
            Check("blocks.0.attention.key.weight", 1, width);
            Check("blocks.1.mlp.down.weight", 1, 4 * width);
            Check("readout.weight", 2, width);
        }
    }

    [Fact]
    public void Abc_sgd_and_no_alignment_rows_and_per_layer_overrides_are_used()
    {
        var sgd = Inspect(Mlp(256, "{\"name\":\"abc\",\"preset\":\"standard\",\"baseWidth\":64}", "sgd"));
        var none = Inspect(Mlp(256, "{\"name\":\"abc\",\"preset\":\"mup\",\"alignment\":\"none\",\"baseWidth\":64}"));
        var custom = Inspect(Mlp(256, "{\"name\":\"abc\",\"preset\":\"mup\",\"baseWidth\":64,\"hidden\":{\"c\":0.25,\"lrScale\":2,\"multiplier\":3}}"));

        Assert.Equal(Lr * Math.Pow(4, 0.5), sgd["input.weight"].LearningRate, 12); // SGD full SP: c = (-1/2, 1/2, 1)
        Assert.Equal(Lr * Math.Pow(4, -0.5), sgd["hidden.0.weight"].LearningRate, 12);
        Assert.Equal(Lr / 4, sgd["readout.weight"].LearningRate, 12);
        Assert.Equal(1 / Math.Sqrt(8), sgd["input.weight"].InitStd, 12); // a dense input layer keeps its 1/sqrt(fan_in)
        Assert.Equal(Lr * Math.Pow(4, -0.5), none["hidden.0.weight"].LearningRate, 12); // Adam none muP: c = (1/2, 1/2, 0)
        Assert.Equal(Lr, none["readout.weight"].LearningRate, 12);
        Assert.Equal(2 * Lr * Math.Pow(4, -0.25), custom["hidden.0.weight"].LearningRate, 12);
        Assert.Equal(3.0, custom["hidden.0.weight"].ForwardMultiplier, 12);
    }

    [Theory]
    [InlineData("adamw", "{\"multiplier\":4,\"initScale\":0.25,\"lrScale\":0.25}")]
    [InlineData("sgd", "{\"multiplier\":4,\"initScale\":0.25,\"lrScale\":0.0625}")]
    public async Task Two_specs_on_one_abc_orbit_train_identically_step_for_step(string optimizer, string hidden)
    {
        // A -> A·θ, B -> B/θ, and C -> C/θ (Adam, with ε·θ via epsilon: multiplier) or C -> C/θ² (SGD), θ = 4 on the hidden
        // layer. Powers of two make every rescaling exact in floating point, so the losses must be bit-identical.
        var baseSpec = TestSpecs.SyntheticRegression(steps: 25).With("model.width=64", "model.depth=2", "training.gradClip=0", "training.logInterval=1",
            $"optimizer={{\"name\":\"{optimizer}\",\"weightDecay\":0.01{(optimizer == "sgd" ? ",\"lr\":0.1,\"momentum\":0.9" : ",\"lr\":0.01,\"eps\":1e-3")}}}");
        const string abc = "\"name\":\"abc\",\"preset\":\"mup\",\"baseWidth\":32,\"epsilon\":\"multiplier\"";
        using var a = new TempDirectory();
        using var b = new TempDirectory();

        await CliRunner.RunSpecAsync(a, baseSpec.With($"parametrization={{{abc}}}"));
        await CliRunner.RunSpecAsync(b, baseSpec.With($"parametrization={{{abc},\"hidden\":{hidden}}}"));

        var lossesA = Losses(a);
        var lossesB = Losses(b);
        Assert.Equal(25, lossesA.Count);
        Assert.True(lossesA[^1] < lossesA[0] * 0.8, "the run should train");
        Assert.Equal(lossesA, lossesB);
    }

    [Fact]
    public async Task Off_the_orbit_the_losses_differ()
    {
        var baseSpec = TestSpecs.SyntheticRegression(steps: 10).With("model.width=64", "training.gradClip=0", "training.logInterval=1");
        using var a = new TempDirectory();
        using var b = new TempDirectory();

        await CliRunner.RunSpecAsync(a, baseSpec.With("parametrization={\"name\":\"abc\",\"baseWidth\":32}"));
        await CliRunner.RunSpecAsync(b, baseSpec.With("parametrization={\"name\":\"abc\",\"baseWidth\":32,\"hidden\":{\"multiplier\":4,\"initScale\":0.25}}"));

        Assert.NotEqual(Losses(a), Losses(b));
    }

    private static List<double> Losses(TempDirectory dir) =>
        File.ReadLines(Path.Combine(CliRunner.RunFolder(dir), "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToList();
}
