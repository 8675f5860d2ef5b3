using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Models;

/// <summary>gpt's modern options (RMSNorm, SwiGLU, grouped-query attention, RoPE, ALiBi, sinusoidal positions) under every parametrization.</summary>
public class GptBlockOptionsTests
{
    private const string Dropout = "model.embeddingDropout=0.1,model.attentionDropout=0.1,model.residualDropout=0.1";

    private const string Llama = "model.norm=rms,model.mlp=swiglu,model.positions=rope,model.heads=4,model.kvHeads=2,model.bias=false";

    private static JsonObject Spec(string parametrization, string options, int steps = 8)
    {
        var spec = TestSpecs.Gpt(32, steps, parametrization).With("model.headDim=null");
        foreach (var o in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
            spec = spec.With(o);
        if (parametrization == "abc")
            spec = spec.With("parametrization.preset=mup");
        if (parametrization == "umup")
            spec = spec.With("optimizer.lr=0.5"); // u-μP's learning rates are of order one (umup-gpt.json: 1.0)
        return spec;
    }

    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Theory]
    [InlineData("sp", Llama)]
    [InlineData("mup", Llama)]
    [InlineData("spectral", Llama)]
    [InlineData("abc", Llama)]
    [InlineData("umup", Llama)]
    [InlineData("mup", "model.positions=alibi")]
    [InlineData("umup", "model.positions=alibi,model.kvHeads=1")]
    [InlineData("mup", "model.positions=sinusoidal,model.attention=explicit")]
    [InlineData("mup", "model.qkNorm=true,model.positions=rope")]
    [InlineData("mup", Dropout)]
    [InlineData("umup", Dropout + ",model.positions=alibi")]
    public void Each_option_trains_and_resumes_bit_exactly(string parametrization, string options)
    {
        var spec = Spec(parametrization, options, steps: 8).With("checkpoint.interval=0", "training.evalInterval=4");
        using var dir = new TempDirectory();
        var (wholeFolder, runFolder) = InterruptedRun.Train(spec, dir, stopAt: 4);

        var whole8 = Lines(Path.Combine(wholeFolder, "metrics.jsonl"));
        var parts8 = Lines(Path.Combine(runFolder, "metrics.jsonl"));
        Assert.Equal(whole8.Select(l => l["loss"]!.GetValue<double>()), parts8.Select(l => l["loss"]!.GetValue<double>()));
        Assert.True(whole8[^1]["loss"]!.GetValue<double>() < whole8[0]["loss"]!.GetValue<double>(), "it learns");
    }

    [Theory]
    [InlineData("mup", Llama)]
    [InlineData("umup", Llama)]
    [InlineData("mup", "model.positions=alibi,model.kvHeads=2,model.heads=4")]
    [InlineData("umup", "model.positions=alibi")]
    [InlineData("sp", "model.positions=sinusoidal")]
    [InlineData("mup", "model.positions=rope,model.attention=explicit")]
    [InlineData("umup", "model.qkNorm=true," + Dropout)]
    public void Cached_decoding_equals_the_whole_window_with_gqa_rope_and_alibi(string parametrization, string options)
    {
        using var test = TestExperiment.Build(Spec(parametrization, options, steps: 1));
        Assert.InRange(CachedDecoding.WorstRelativeDifference(test, prefill: 6, seed: 3), 0, 1e-5);
    }

    [Theory]
    [InlineData("mup")]
    [InlineData("umup")]
    public void Dropout_acts_in_training_only_and_leaves_evaluation_exactly_the_model_without_it(string parametrization)
    {
        using var plain = TestExperiment.Build(Spec(parametrization, ""));
        using var dropped = TestExperiment.Build(Spec(parametrization, Dropout));
        using var noGrad = no_grad();
        using var generator = new Generator(4);
        using var tokens = randint(plain.Experiment.Dataset.Description.VocabularySize, new long[] { 2, 16 }, generator: generator);
        foreach (var test in new[] { plain, dropped }) // μP's readout starts at zero, which would hide everything before it
            test.ByName["readout.weight"].Value.copy_(randn(test.ByName["readout.weight"].Value.shape, generator: new Generator(5)));
        plain.Experiment.Model.eval();
        dropped.Experiment.Model.eval();
        using var expected = plain.Experiment.Model.call(tokens);
        using var evaluated = dropped.Experiment.Model.call(tokens);
        Assert.Equal(0f, (expected - evaluated).abs().max().item<float>()); // dropout has no parameters and is off in evaluation
        dropped.Experiment.Model.train();
        using var trained = dropped.Experiment.Model.call(tokens);
        Assert.False(expected.allclose(trained, 1e-3, 1e-3), "dropout acts in training");
        manual_seed(9);
        using var first = dropped.Experiment.Model.call(tokens);
        manual_seed(9);
        using var again = dropped.Experiment.Model.call(tokens);
        Assert.Equal(0f, (first - again).abs().max().item<float>()); // the same seed drops the same entries
    }

    [Fact]
    public void Swiglu_adds_a_gate_and_rounds_its_hidden_size_as_asked_and_inspect_shows_the_roles()
    {
        using var test = TestExperiment.Build(Spec("mup", "model.mlp=swiglu,model.mlpRatio=2.6667,model.mlpMultipleOf=16,model.norm=rms"));
        var byName = test.ByName;
        // 2.6667 · 32 = 85.3, rounded up to a multiple of 16: 96
        Assert.Equal(new long[] { 96, 32 }, byName["blocks.0.mlp.gate.weight"].Descriptor.Shape);
        Assert.Equal(new long[] { 32, 96 }, byName["blocks.0.mlp.down.weight"].Descriptor.Shape);
        Assert.Equal(Forge.Abstractions.Parametrizations.ParameterRole.Hidden, byName["blocks.0.mlp.gate.weight"].Descriptor.Role);
        Assert.Equal(Forge.Abstractions.Parametrizations.ParameterRole.NormGain, byName["blocks.0.attention_norm.weight"].Descriptor.Role);
        Assert.DoesNotContain("blocks.0.attention_norm.bias", byName.Keys); // RMSNorm has none
        var report = Forge.Core.Inspection.InspectionReport.From(test.Experiment);
        Assert.Contains(report.Rows, r => r.Name == "blocks.1.mlp.gate.weight" && r.Role == "Hidden");
    }

    [Fact]
    public void Grouped_query_attention_has_narrower_key_and_value_projections_that_stay_hidden_matrices()
    {
        using var test = TestExperiment.Build(Spec("mup", "model.heads=4,model.kvHeads=1"));
        var key = test.ByName["blocks.0.attention.key.weight"].Descriptor;
        Assert.Equal(new long[] { 8, 32 }, key.Shape); // one head of 8
        Assert.True(key.FanOut.ScalesWithWidth); // a readout's init (fixed fan-out under μP) would make the values vanish with width
        Assert.True(test.ByName["blocks.0.attention.query.weight"].Descriptor.FanOut.ScalesWithWidth);
    }

    [Fact]
    public void KvGroups_keeps_the_groups_as_the_width_grows_with_the_head_size_fixed()
    {
        foreach (var (width, kvWidth) in new[] { (32, 8), (64, 16) })
        {
            var spec = TestSpecs.Gpt(width, 2, "mup").With("model.headDim=4").With("model.kvGroups=4");
            using var test = TestExperiment.Build(spec);
            Assert.Equal(new long[] { kvWidth, width }, test.ByName["blocks.0.attention.key.weight"].Descriptor.Shape); // heads/4 key heads of 4
            Assert.Equal(new long[] { width, width }, test.ByName["blocks.0.attention.query.weight"].Descriptor.Shape);
        }
    }

    [Fact]
    public void Alibi_slopes_follow_the_head_fraction_so_wider_models_cover_the_same_range()
    {
        var four = Forge.Plugins.Models.Gpt.Positions.AlibiBias.Slopes(4);
        var eight = Forge.Plugins.Models.Gpt.Positions.AlibiBias.Slopes(8);
        Assert.Equal(new[] { 0.25, 1.0 / 16, 1.0 / 64, 1.0 / 256 }, four);
        Assert.Equal(four, new[] { eight[1], eight[3], eight[5], eight[7] }); // the same slopes at the same fractions h/H
        using var bias = Forge.Plugins.Models.Gpt.Positions.AlibiBias.For(4, 2, 5, CPU);
        Assert.Equal(new long[] { 4, 2, 5 }, bias.shape);
        Assert.Equal(-0.25f * 3, bias[0, 0, 0].item<float>()); // query at position 3, key 0
        Assert.Equal(0f, bias[1, 1, 4].item<float>());
    }

    [Theory]
    [InlineData("model.heads=4,model.kvHeads=3", "model.kvHeads", "3 key/value heads do not divide the 4 heads")]
    [InlineData("model.heads=32,model.positions=rope", "model.positions", "the head size 1 is odd")]
    [InlineData("model.heads=4,model.kvGroups=3", "model.kvGroups", "kvGroups 3 does not divide the 4 heads")]
    [InlineData("model.heads=4,model.kvGroups=2,model.kvHeads=2", "model.kvGroups", "give either kvHeads or kvGroups")]
    public void Bad_combinations_are_spec_errors_naming_the_field(string options, string field, string message)
    {
        var e = Assert.Throws<SpecException>(() => TestExperiment.Build(Spec("mup", options)).Dispose());
        Assert.Contains(field, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Alibi_with_a_learned_table_is_a_spec_error_naming_positions()
    {
        var spec = Spec("mup", "").With("model.positions=[\"alibi\",\"learned\"]"); // positions is one scheme: ALiBi replaces the table
        var e = Assert.Throws<SpecException>(() => TestExperiment.Build(spec).Dispose());
        Assert.Contains("model.positions", e.Message);
        Assert.Contains("expected one of", e.Message);
    }
}
