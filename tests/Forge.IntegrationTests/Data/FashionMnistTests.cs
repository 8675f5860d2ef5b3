using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Data;

/// <summary>The images dataset on Debian's Fashion-MNIST (CI installs dataset-fashion-mnist): experiments/mlp-fashion-mnist.json learns.</summary>
public class FashionMnistTests
{
    [RequiresFashionMnistFact]
    public async Task The_mlp_spec_learns_fashion_mnist_from_chance_in_a_hundred_steps()
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(TestSpecs.RepositoryRoot, "experiments", "mlp-fashion-mnist.json");

        var result = await CliRunner.RunAsync("run", spec, "--runs", dir.Path, "--plain", "--set", "training.steps=100", "--set", "training.evalInterval=0",
            "--set", "checkpoint=\"none\"");

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var folder = Directory.GetDirectories(Path.Combine(dir.Path, "mlp-fashion-mnist")).Single();
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        Assert.InRange(summary["initialEvalLoss"]!.GetValue<double>(), Math.Log(10) - 0.3, Math.Log(10) + 0.3); // chance over 10 classes
        Assert.InRange(summary["finalEvalLoss"]!.GetValue<double>(), 0.0, 1.0); // measured 0.81 (2,560 test images); chance is ln 10 = 2.30
        Assert.InRange(summary["finalEvalAccuracy"]!.GetValue<double>(), 0.6, 1.0);
    }

    /// <summary>The coordinate check of experiments/vit-fashion-mnist.json (at depth 2, for time) at widths 64, 128 and 256: μP and u-μP keep every module's size, SP does not.</summary>
    [RequiresFashionMnistTheory]
    [InlineData("mup", true)]
    [InlineData("umup", true)]
    [InlineData("sp", false)]
    public async Task The_vit_coordinate_check_passes_under_mup_and_umup_and_fails_under_sp(string parametrization, bool passes)
    {
        using var dir = new TempDirectory();
        var spec = Path.Combine(TestSpecs.RepositoryRoot, "experiments", "vit-fashion-mnist.json");
        var overrides = parametrization == "mup" ? Array.Empty<string>()
            : new[] { "--set", $"parametrization={{\"name\":\"{parametrization}\"}}" }.Concat(parametrization == "umup" ? new[] { "--set", "optimizer.lr=0.1" } : Array.Empty<string>()).ToArray();

        var result = await CliRunner.RunAsync(new[] { "coord-check", spec, "--widths", "64,128,256", "--seeds", "3", "--set", "model.depth=2", "--runs", dir.Path }.Concat(overrides).ToArray());

        Assert.True(result.ExitCode == (passes ? 0 : 1), result.Output + result.Error);
        Assert.Contains(passes ? "coordinate check passed" : "coordinate check FAILED", result.Output);
    }
}
