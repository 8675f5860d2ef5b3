using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.UnitScaling;
using Forge.Plugins.Parametrizations;
using Forge.Tests.Support;
using static TorchSharp.torch;
using Forge.Core.Composition;

namespace Forge.Tests.Plugins;

/// <summary><c>umup</c> against docs/reference/umup.md (graphcore-research/unit-scaling's rules and test numbers).</summary>
public class UmupParametrizationTests
{
    private static ParameterFactory Factory(int width, int depth, double lr, UmupOptions? options = null) =>
        new(new UnitScaledMupParametrization(options ?? new UmupOptions()), new ParametrizationContext(new ModelDimensions(width, depth), OptimizerKind.Adaptive, lr),
            CPU, new Generator(3));

    [Fact]
    public void Learning_rates_match_the_unit_scaling_library_test_numbers()
    {
        // unit_scaling/tests/test_optim.py: d = 16, depth 3, base lr 0.1, Adam.
        var factory = Factory(16, 3, 0.1);
        var width = Dimension.Width(16);
        var embedding = factory.Create(new ParameterDescriptor("embedding.weight", ParameterRole.Embedding, new long[] { 256, 16 }, width, Dimension.Fixed(256)));
        ScaledParameter hidden, bias;
        using (factory.Block(1))
        {
            hidden = factory.Weight("blocks.1.linear.weight", ParameterRole.Hidden, width, width);
            bias = factory.Bias("blocks.1.linear.bias", width, width);
        }
        var readout = factory.Weight("readout.weight", ParameterRole.Output, Dimension.Fixed(10), width);

        Assert.Equal(0.1 / 4, 0.1 * embedding.Scaling.LearningRateFactor, 12);
        Assert.Equal(0.1 / 4 / Math.Sqrt(3), 0.1 * hidden.Scaling.LearningRateFactor, 12);
        Assert.Equal(0.1 / Math.Sqrt(3), 0.1 * bias.Scaling.LearningRateFactor, 12);
        Assert.Equal(0.1, 0.1 * readout.Scaling.LearningRateFactor, 12);
        Assert.Equal(1, hidden.Descriptor.Block);
        Assert.Null(readout.Descriptor.Block);
    }

    [Fact]
    public void Weights_start_unit_and_the_width_factors_are_forward_multipliers()
    {
        var factory = Factory(256, 2, 1.0);
        var hidden = factory.Weight("h.weight", ParameterRole.Hidden, Dimension.Width(1024), Dimension.Width(256));
        var readout = factory.Weight("readout.weight", ParameterRole.Output, Dimension.Fixed(65), Dimension.Width(256));

        Assert.Equal(Initialization.Normal(1.0), hidden.Scaling.Init);
        Assert.InRange(hidden.Value.std().item<float>(), 0.99, 1.01);
        Assert.Equal(1 / 16.0, hidden.Multiplier, 12); // fan_in^-1/2
        Assert.Equal(1 / 256.0, readout.Multiplier, 12); // fan_in^-1 (muP readout)
        Assert.Equal(1 / 32.0, factory.Parametrization.AttentionLogitScale(32, factory.Context), 12); // alpha_attn / d_head
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(4.0)]
    public void Weight_decay_does_not_follow_the_per_tensor_learning_rates(double lr)
    {
        var factory = Factory(64, 2, lr);
        var hidden = factory.Weight("h.weight", ParameterRole.Hidden, Dimension.Width(64), Dimension.Width(64));
        var readout = factory.Weight("readout.weight", ParameterRole.Output, Dimension.Fixed(10), Dimension.Width(64));

        // A decoupled step decays by (lr * lr factor) * (lambda * wd factor); an independent one divides by lr: the factors must cancel.
        Assert.True(hidden.Scaling.LearningRateFactor < 0.2); // fan_in^-1/2: not 1, so the test can fail
        foreach (var p in new[] { hidden, readout })
            Assert.Equal(1.0, p.Scaling.LearningRateFactor * p.Scaling.WeightDecayFactor, 12);
    }

    [Fact]
    public void Residual_scales_are_the_tau_rule_and_the_ops_are_unit_scaled()
    {
        var options = new UmupOptions { AlphaRes = 2, AlphaResAttnRatio = 0.5 };
        var factory = Factory(64, 3, 1.0, options);
        var taus = ResidualScalingRule.Taus(6, 2, 0.5);

        Assert.Equal(taus, Enumerable.Range(0, 6).Select(i => factory.ResidualMultiplier($"b{i}", i)));
        Assert.IsType<UnitScaledOps>(factory.Ops);
        Assert.False(factory.Ops.AffineNorms);
        Assert.Equal("residual tau", factory.Scales[0].Kind);
    }

    /// <summary>Residual-stream RMS after each block and gradient RMS of each weight, after one forward/backward at init.</summary>
    private static (List<double> Streams, Dictionary<string, double> Weights, Dictionary<string, double> Gradients) InitialScales(int width, string parametrization)
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(width, parametrization: parametrization).With("model.headDim=16", "data.context=64", "training.batchSize=8"));
        var model = test.Experiment.Model;
        var streams = new List<double>();
        var hooks = model.named_modules()
            .Where(m => m.name.StartsWith("blocks.", StringComparison.Ordinal) && m.name.Count(c => c == '.') == 1 && m.module is nn.Module<Tensor, Tensor>)
            .DistinctBy(m => m.module)
            .Select(m => ((nn.Module<Tensor, Tensor>)m.module).register_forward_hook((_, _, y) =>
            {
                streams.Add(y.detach().square().mean().sqrt().item<float>());
                return y;
            }))
            .ToList();
        using var scope = NewDisposeScope();
        using var generator = DataStreams.Training(1);
        using var batch = test.Experiment.Dataset.NextTrainingBatch(8, generator);
        LossFunction.Compute(test.Experiment, model.call(batch.Inputs), batch.Targets).backward();
        hooks.ForEach(h => h.remove());
        var weights = test.Experiment.Parameters.Where(p => p.Descriptor.Role is ParameterRole.Hidden or ParameterRole.Embedding or ParameterRole.Output).ToList();
        static double Rms(Tensor t) => t.detach().square().mean().sqrt().item<float>();
        return (streams, weights.ToDictionary(p => p.Descriptor.Name, p => Rms(p.Value)), weights.ToDictionary(p => p.Descriptor.Name, p => Rms(p.Value.grad!)));
    }

    [Fact]
    public void A_umup_gpt_starts_with_unit_scale_activations_weights_and_gradients_at_every_width()
    {
        var narrow = InitialScales(64, "umup");
        var wide = InitialScales(256, "umup");
        var mup = InitialScales(64, "mup");

        foreach (var (stream, i) in narrow.Streams.Concat(wide.Streams).Select((s, i) => (s, i)))
            // Unit for independent unit inputs; characters repeat within a window, so attention averages correlated
            // rows and the stream grows a little above 1 (1.2-1.3 after two blocks here).
            Assert.True(stream is > 0.8 and < 1.4, $"residual stream {i}: RMS {stream:F3}");
        foreach (var name in narrow.Weights.Keys)
        {
            Assert.True(narrow.Weights[name] is > 0.9 and < 1.1 && wide.Weights[name] is > 0.9 and < 1.1, $"{name}: weight RMS {narrow.Weights[name]:F3} / {wide.Weights[name]:F3}");
            // O(1) and width-independent. Real text is not unit Gaussian: measured 0.2 (query, key) to 8 (value, output projection).
            Assert.True(narrow.Gradients[name] is > 0.1 and < 10, $"{name}: gradient RMS {narrow.Gradients[name]:F3} at width 64");
            Assert.True(wide.Gradients[name] / narrow.Gradients[name] is > 0.5 and < 2, $"{name}: gradient RMS {narrow.Gradients[name]:F3} at width 64, {wide.Gradients[name]:F3} at 256");
        }
        // The contrast: plain muP with a mean loss has tiny gradients (what underflows in E5M2) and small hidden weights.
        Assert.True(mup.Gradients["blocks.0.mlp.up.weight"] < 0.01, $"muP hidden gradient RMS {mup.Gradients["blocks.0.mlp.up.weight"]:G3}");
        Assert.True(mup.Weights["blocks.0.mlp.up.weight"] < 0.2, $"muP hidden weight RMS {mup.Weights["blocks.0.mlp.up.weight"]:G3}");
    }

    [Fact]
    public async Task Tied_embeddings_are_refused_with_a_clear_error()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(32, parametrization: "umup").With("model.tieEmbeddings=true").ToJsonString());

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot tie tensors; untie them (for the gpt model: model.tieEmbeddings false)", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }

    [Fact]
    public async Task Inspect_shows_the_unit_scaled_ops_multipliers_and_taus()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(64, parametrization: "umup").ToJsonString());

        var result = await CliRunner.RunAsync("inspect", path, "--json");

        Assert.Equal(0, result.ExitCode);
        var report = System.Text.Json.Nodes.JsonNode.Parse(result.Output)!;
        Assert.StartsWith("unit-scaled ops (u-μP)", report["ops"]!.GetValue<string>());
        var rows = report["rows"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>());
        Assert.Equal(1 / 8.0, rows["blocks.0.attention.query.weight"]!["forwardMultiplier"]!.GetValue<double>(), 12);
        Assert.Equal(1 / 64.0, rows["readout.weight"]!["forwardMultiplier"]!.GetValue<double>(), 12);
        Assert.DoesNotContain("blocks.0.attention_norm.weight", rows.Keys); // non-trainable norms
        var taus = report["scales"]!.AsArray().Where(s => s!["kind"]!.GetValue<string>() == "residual tau").Select(s => s!["value"]!.GetValue<double>()).ToList();
        Assert.Equal(ResidualScalingRule.Taus(4), taus);
    }

    /// <summary>
    /// umup's weight-decay factors (1/LR factor) are u-μP's independent decay; under decoupled decay they would give
    /// η·λ for every tensor, neither of the library's modes, so any mode but independent is refused when λ > 0.
    /// </summary>
    [Theory]
    [InlineData("decoupled", 0.1, 2)]
    [InlineData("coupled", 0.1, 2)]
    [InlineData("decoupled", 0.0, 0)]   // no decay: nothing to get wrong
    [InlineData("independent", 1e-4, 0)]
    public async Task Weight_decay_other_than_independent_is_refused_naming_the_field(string mode, double lambda, int exitCode)
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Gpt(32, parametrization: "umup").With($"optimizer.weightDecayMode={mode}", $"optimizer.weightDecay={lambda}");
        var path = dir.File("spec.json", spec.ToJsonString());

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(exitCode, result.ExitCode);
        if (exitCode != 0)
        {
            Assert.Contains($"With optimizer.weightDecayMode \"{mode}\"", result.Error);
            Assert.Contains("Set optimizer.weightDecayMode to \"independent\"", result.Error);
            Assert.DoesNotContain("   at ", result.Error);
        }
    }

    /// <summary>μP's embedding rate (constant) as an option, and u-μP's (× width^-½) by default.</summary>
    [Fact]
    public void The_embedding_learning_rate_follows_embeddingLr()
    {
        var embedding = new ParameterDescriptor("embedding_tokens.weight", ParameterRole.Embedding, new long[] { 65, 64 }, Dimension.Width(64), Dimension.Fixed(65));
        var context = new ParametrizationContext(new ModelDimensions(64, 2), OptimizerKind.Adaptive, 1.0);

        double umup = new UnitScaledMupParametrization(new UmupOptions()).Scale(embedding, context).LearningRateFactor;
        double mup = new UnitScaledMupParametrization(new UmupOptions { EmbeddingLr = EmbeddingLearningRate.Mup }).Scale(embedding, context).LearningRateFactor;

        Assert.Equal(1 / 8.0, umup, 15);
        Assert.Equal(1.0, mup);
    }
}
