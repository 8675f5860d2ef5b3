using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;
using Forge.Core.Errors;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Models;

/// <summary>vit: gpt's block attending both ways over image patches, under every parametrization, on tiny IDX images.</summary>
public class VitModelTests
{
    private static JsonObject Spec(TempDirectory dir, string parametrization, string options = "", int steps = 8)
    {
        var spec = new JsonObject
        {
            ["name"] = "test-vit", ["seed"] = 2, ["device"] = "cpu", ["threads"] = 1,
            ["model"] = new JsonObject { ["name"] = "vit", ["width"] = 32, ["depth"] = 2, ["headDim"] = 8, ["patchSize"] = 4 },
            ["data"] = new JsonObject { ["name"] = "images", ["path"] = TinyImages.Folder(dir), ["classes"] = 4 },
            ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = parametrization switch { "umup" => 0.1, "sp" => 0.003, _ => 0.03 }, ["weightDecay"] = 0.0 },
            ["parametrization"] = new JsonObject { ["name"] = parametrization },
            ["training"] = new JsonObject { ["steps"] = steps, ["batchSize"] = 16, ["evalInterval"] = 4, ["evalBatches"] = 2, ["logInterval"] = 1 },
        };
        if (parametrization is "mup" or "spectral")
            spec = spec.With("parametrization.baseWidth=16");
        if (parametrization == "abc")
            spec = spec.With("parametrization.preset=mup", "parametrization.baseWidth=16");
        foreach (var o in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
            spec = spec.With(o);
        return spec;
    }

    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Theory]
    [InlineData("sp", "")]
    [InlineData("mup", "")]
    [InlineData("spectral", "")]
    [InlineData("abc", "")]
    [InlineData("umup", "")]
    [InlineData("mup", "model.norm=rms,model.mlp=swiglu")]
    [InlineData("sp", "model.positions=sinusoidal")]
    [InlineData("umup", "model.pooling=mean,model.attention=explicit")] // (without positions the data, a lit quadrant, cannot be learnt: the model would not know where a patch is)
    [InlineData("mup", "model.embeddingDropout=0.1,model.residualDropout=0.1")]
    [InlineData("mup", "model.stochasticDepth=0.3")]
    [InlineData("umup", "model.stochasticDepth=0.3")]
    public void Trains_and_resumes_bit_exactly(string parametrization, string options)
    {
        using var dir = new TempDirectory();
        var spec = Spec(dir, parametrization, options, steps: 20).With("checkpoint.interval=0");
        var (wholeFolder, runFolder) = InterruptedRun.Train(spec, dir, stopAt: 10);

        var whole = Lines(Path.Combine(wholeFolder, "metrics.jsonl"));
        var parts = Lines(Path.Combine(runFolder, "metrics.jsonl"));
        Assert.Equal(whole.Select(l => l["loss"]!.GetValue<double>()), parts.Select(l => l["loss"]!.GetValue<double>()));
        Assert.Equal(whole.Select(l => l["trainAccuracy"]!.GetValue<double>()), parts.Select(l => l["trainAccuracy"]!.GetValue<double>()));
        Assert.True(whole[^1]["loss"]!.GetValue<double>() < whole[0]["loss"]!.GetValue<double>(), "it learns");
    }

    [Fact]
    public void Its_tensors_have_the_roles_of_an_image_transformer_and_inspect_shows_them()
    {
        using var dir = new TempDirectory();
        using var test = TestExperiment.Build(Spec(dir, "mup"));
        var byName = test.ByName;

        Assert.Equal(ParameterRole.Input, byName["patch_embedding.weight"].Descriptor.Role);
        Assert.Equal(new long[] { 32, 16 }, byName["patch_embedding.weight"].Descriptor.Shape); // fan-in: one channel · 4 · 4 pixels
        Assert.Equal(new long[] { 1, 32 }, byName["embedding_cls.weight"].Descriptor.Shape);
        Assert.Equal(new long[] { 5, 32 }, byName["embedding_positions.weight"].Descriptor.Shape); // 2 × 2 patches of the 8 × 8 images and the class token
        Assert.Equal(ParameterRole.Hidden, byName["blocks.1.attention.query.weight"].Descriptor.Role);
        Assert.Equal(ParameterRole.Output, byName["readout.weight"].Descriptor.Role);
        Assert.Equal(new long[] { 4, 32 }, byName["readout.weight"].Descriptor.Shape);
        var report = Forge.Core.Inspection.InspectionReport.From(test.Experiment);
        Assert.Contains(report.Rows, r => r.Name == "patch_embedding.weight" && r.Role == "Input");
    }

    [Fact]
    public void Attention_is_bidirectional_so_a_change_in_the_last_patch_reaches_the_class_token()
    {
        using var dir = new TempDirectory();
        using var test = TestExperiment.Build(Spec(dir, "sp", "model.pooling=cls"));
        using var noGrad = no_grad();
        test.Experiment.Model.eval();
        using var generator = new Generator(3);
        using var pixels = randn(new long[] { 1, 64 }, generator: generator);
        using var changed = pixels.clone();
        changed[0, 63] = changed[0, 63] + 5; // the bottom-right pixel: the last patch

        using var before = test.Experiment.Model.call(pixels);
        using var after = test.Experiment.Model.call(changed);

        Assert.True((before - after).abs().max().item<float>() > 1e-4f, "the class token, first in the sequence, sees the last patch");
    }

    [Theory]
    [InlineData("model.patchSize=3", "model.patchSize 3 does not divide the 8×8 images")]
    [InlineData("model.positions=sinusoidal,model.width=27,model.headDim=null,model.heads=3", "width 27 is odd")]
    public void Bad_options_are_errors_naming_the_field(string options, string message)
    {
        using var dir = new TempDirectory();
        var spec = Spec(dir, "mup", options);
        var e = Assert.ThrowsAny<Exception>(() => TestExperiment.Build(spec));
        Assert.True(e is SpecException or RunSetupException, e.GetType().Name);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_vit_on_text_is_refused_naming_the_model()
    {
        var spec = TestSpecs.Text().With("model={\"name\":\"vit\",\"width\":32}");
        var e = Assert.Throws<RunSetupException>(() => TestExperiment.Build(spec));
        Assert.Contains("model.name is \"vit\", which classifies images", e.Message);
    }
}
