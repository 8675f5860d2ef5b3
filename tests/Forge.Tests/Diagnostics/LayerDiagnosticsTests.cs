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

    /// <summary>
    /// Muon sizes the effective update A·ΔW of a hidden matrix (docs/reference/optimizers.md): under rules whose hidden
    /// forward multiplier A is not 1 (umup's fan_in^-½, abc ntk's n^-½) the spectral ratio stays flat in width as it
    /// does under sp and mup, and equals lr times the rule's depth factor (the orthogonalised step has singular values
    /// near 1).
    /// </summary>
    [Theory]
    [InlineData("sp", 1.0)]
    [InlineData("mup", 1.0)]
    [InlineData("umup", 0.70710678)] // depth 2: u-μP's depth^-½
    [InlineData("abc", 1.0, "ntk")]
    public async Task Muons_effective_hidden_update_meets_the_spectral_target_at_every_width_under_every_multiplier(string parametrization, double depthFactor, string? preset = null)
    {
        async Task<double[]> HiddenSpectralRatios(int width)
        {
            using var dir = new TempDirectory();
            var spec = TestSpecs.Gpt(width, steps: 3, parametrization).With("metrics.layers.interval=1", "optimizer={\"name\":\"muon\",\"lr\":0.02}");
            if (preset is not null)
                spec = spec.With($"parametrization.preset={preset}");
            var folder = await RunAsync(dir, spec);
            // step 3: under mup the zero readout lets no gradient through at step 1, and the zero query none to the keys at step 2
            var third = Lines(Path.Combine(folder, "layers.jsonl")).Single(l => l["step"]!.GetValue<int>() == 3);
            return third["tensors"]!.AsArray().Where(t => t!["role"]!.GetValue<string>() == "hidden")
                .Select(t => t!["spectralRatio"]!.GetValue<double>()).ToArray();
        }

        var narrow = await HiddenSpectralRatios(64);
        var wide = await HiddenSpectralRatios(256);

        Assert.InRange(wide.Average() / narrow.Average(), 0.8, 1.2);
        Assert.All(narrow.Concat(wide), ratio => Assert.InRange(ratio / (0.02 * depthFactor), 0.6, 1.3)); // Newton–Schulz leaves σ_max in about [0.7, 1.2]
    }
}
