using System.Text.Json.Nodes;
using Forge.Tests.Support;
using static TorchSharp.torch;
using Forge.Core.Diagnostics;

namespace Forge.Tests.Diagnostics;

public class LayerDiagnosticsTests
{
    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static async Task<string> RunAsync(TempDirectory dir, JsonObject spec)
    {
        var result = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(result.ExitCode == 0, result.Error);
        return CliRunner.RunFolder(dir);
    }

    [Fact]
    public void Power_iteration_finds_the_largest_singular_value()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        var matrix = randn(new long[] { 24, 40 }, generator: generator);

        double estimate = SpectralNorm.Estimate(matrix, 50, generator).item<float>();
        double exact = linalg.svdvals(matrix)[0].item<float>();

        Assert.Equal(exact, estimate, exact * 1e-4);
    }

    [Fact]
    public async Task Diagnostics_come_at_the_first_update_and_every_interval_and_leave_training_unchanged()
    {
        using var plain = new TempDirectory();
        using var measured = new TempDirectory();
        var spec = TestSpecs.Gpt(32, steps: 9);

        var plainFolder = await RunAsync(plain, spec);
        var folder = await RunAsync(measured, spec.With("metrics.layers.interval=4"));

        Assert.False(File.Exists(Path.Combine(plainFolder, "layers.jsonl")));
        var layers = Lines(Path.Combine(folder, "layers.jsonl"));
        Assert.Equal(new[] { 1, 4, 8 }, layers.Select(l => l["step"]!.GetValue<int>()));
        Assert.Equal( // bit-identical losses: measuring reads the model, it never changes it or the random streams
            Lines(Path.Combine(plainFolder, "metrics.jsonl")).Select(m => m["loss"]!.GetValue<double>()),
            Lines(Path.Combine(folder, "metrics.jsonl")).Select(m => m["loss"]!.GetValue<double>()));

        var tensors = layers[^1]["tensors"]!.AsArray().Select(t => t!.AsObject()).ToList();
        using (var test = TestExperiment.Build(spec))
            Assert.Equal(test.ByName.Keys.Order(), tensors.Select(t => t["name"]!.GetValue<string>()).Order());
        Assert.All(tensors, t =>
        {
            bool matrix = t["role"]!.GetValue<string>() is "hidden" or "output" or "embedding";
            Assert.Equal(matrix, t["spectralRatio"] is not null);
            Assert.True(t["weightRms"]!.GetValue<double>() >= 0 && t["learningRate"]!.GetValue<double>() > 0);
        });
        var activations = layers[^1]["activations"]!.AsArray().Select(a => a!["module"]!.GetValue<string>()).ToList();
        Assert.Contains("blocks.0.attention", activations);
        Assert.Contains("blocks.1.mlp", activations);
        Assert.Equal(activations.Count, activations.Distinct().Count()); // one forward pass observed, not the loss or evaluation
    }

    /// <summary>
    /// What the spectral ratio is for (docs/reference/spectral.md): with Adam, SP's global learning rate
    /// makes ‖ΔW‖₂ of a hidden matrix grow like its width, while muP's 1/fan_in rate keeps ‖ΔW‖₂/√(fan_out/fan_in) flat.
    /// </summary>
    [Fact]
    public async Task The_spectral_ratio_of_hidden_updates_is_flat_in_width_under_mup_and_grows_under_sp()
    {
        async Task<double> HiddenSpectralRatio(string parametrization, int width)
        {
            using var dir = new TempDirectory();
            var folder = await RunAsync(dir, TestSpecs.Gpt(width, steps: 2, parametrization).With("metrics.layers.interval=1"));
            var second = Lines(Path.Combine(folder, "layers.jsonl")).Single(l => l["step"]!.GetValue<int>() == 2);
            return second["tensors"]!.AsArray().Where(t => t!["role"]!.GetValue<string>() == "hidden")
                .Average(t => t!["spectralRatio"]!.GetValue<double>()); // step 2: muP's zero-initialised readout has moved
        }

        double spGrowth = await HiddenSpectralRatio("sp", 128) / await HiddenSpectralRatio("sp", 32);
        double mupGrowth = await HiddenSpectralRatio("mup", 128) / await HiddenSpectralRatio("mup", 32);

        Assert.True(spGrowth > 2, $"sp: the ratio grew {spGrowth:F2}x from width 32 to 128; expected about 4x");
        Assert.InRange(mupGrowth, 0.8, 1.25);
    }
}
