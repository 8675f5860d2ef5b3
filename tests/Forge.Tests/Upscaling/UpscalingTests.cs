using System.Text.Json.Nodes;
using Forge.Tests.Support;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Training;

namespace Forge.Tests.Upscaling;

/// <summary>
/// init.from + init.upscale: a trained checkpoint widened k times computes the same function (to float32 rounding) and,
/// under muP's per-layer learning rates with ε scaled, keeps following the narrow model's trajectory; under SP's
/// global learning rate it does not.
/// </summary>
public class UpscalingTests
{
    /// <summary>Trains <paramref name="spec"/> through the CLI and returns its last checkpoint folder.</summary>
    private static async Task<string> TrainedCheckpoint(TempDirectory dir, JsonObject spec)
    {
        var run = await CliRunner.RunSpecAsync(dir, spec.With("checkpoint={\"interval\":10}"));
        Assert.True(run.ExitCode == 0, run.Error);
        var checkpoints = Path.Combine(CliRunner.RunFolder(dir), "checkpoints");
        return Directory.GetDirectories(checkpoints).Order().Last();
    }

    /// <summary>Random inputs the model accepts: token ids for text, standard normal features otherwise.</summary>
    private static Tensor RandomInputs(Experiment experiment, Generator generator)
    {
        var data = experiment.Dataset.Description;
        return data.HasTokenInputs
            ? randint(0, data.VocabularySize, new long[] { 8, data.SequenceLength }, generator: generator, dtype: ScalarType.Int64)
            : randn(new long[] { 64, data.InputFeatures }, generator: generator);
    }

    /// <summary>max |f_a − f_b| / max |f_a| on random inputs.</summary>
    private static double Mismatch(Experiment a, Experiment b)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator(11);
        var inputs = RandomInputs(a, generator);
        a.Model.eval();
        b.Model.eval();
        var x = a.Model.call(inputs).to(float64);
        var y = b.Model.call(inputs).to(float64);
        return (x - y).abs().max().item<double>() / x.abs().max().item<double>();
    }

    private static TestExperiment FromCheckpoint(JsonObject spec, string checkpoint, int width, int upscale, params string[] more) =>
        TestExperiment.Build(spec.With($"model.width={width}", $"init={{\"from\":\"{checkpoint}\",\"upscale\":{upscale}}}").With(more));

    public static TheoryData<string, string> Models => new()
    {
        { "mlp", "sp" }, { "mlp", "mup" }, { "mlp", "umup" },
        { "gpt", "sp" }, { "gpt", "mup" }, { "gpt", "umup" }, { "gpt-tied", "mup" },
    };

    private static JsonObject Narrow(string model, string parametrization)
    {
        var p = parametrization switch
        {
            "mup" => "{\"name\":\"mup\",\"baseWidth\":16}",
            "umup-mup-embedding" => "{\"name\":\"umup\",\"embeddingLr\":\"mup\"}",
            _ => $"{{\"name\":\"{parametrization}\"}}",
        };
        var spec = model == "mlp"
            ? TestSpecs.SyntheticRegression(steps: 20).With("model.width=16", "model.depth=2")
            : TestSpecs.Gpt(16, steps: 20).With("model.headDim=8");
        if (model == "gpt-tied")
            spec = spec.With("model.tieEmbeddings=true");
        return parametrization.StartsWith("umup") // u-μP's decay is independent of the learning rate; umup refuses the other modes
            ? spec.With($"parametrization={p}", "optimizer.weightDecay=1e-4", "optimizer.weightDecayMode=independent")
            : spec.With($"parametrization={p}", "optimizer.weightDecay=0.1");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public async Task Right_after_widening_4x_the_outputs_match_the_trained_model_on_random_inputs(string model, string parametrization)
    {
        using var dir = new TempDirectory();
        var spec = Narrow(model, parametrization);
        var checkpoint = await TrainedCheckpoint(dir, spec);

        using var narrow = FromCheckpoint(spec, checkpoint, 16, 1);
        using var wide = FromCheckpoint(spec, checkpoint, 64, 4);

        long Hidden(TestExperiment t) => t.Experiment.Parameters.Where(p => p.Descriptor.Role == Forge.Abstractions.Parametrizations.ParameterRole.Hidden).Sum(p => p.Value.numel());
        Assert.Equal(16 * Hidden(narrow), Hidden(wide)); // hidden matrices are k² = 16 times larger
        double mismatch = Mismatch(narrow.Experiment, wide.Experiment);
        Assert.True(mismatch < 1e-5, $"{model}/{parametrization}: outputs differ by {mismatch:G3} of their size");
        using var noisy = FromCheckpoint(spec, checkpoint, 64, 4, "init.noise=0.1");
        Assert.InRange(Mismatch(narrow.Experiment, noisy.Experiment), 1e-4, 0.5); // noise perturbs, but by a controlled amount
    }

    [Theory]
    [InlineData("mup", 0.01, 0.0, 1e-5)]   // muP per-layer rates, ε scaled: the wide model tracks the narrow one to float32 rounding (4e-7 measured)
    [InlineData("umup-mup-embedding", 0.5, 0.0, 1e-5)] // u-μP: the unit-scaled ops' gradient ratios are measured (derived from the multipliers, the carried moments were 8x and 64x too small: 0.49 apart)
    [InlineData("umup", 0.5, 0.01, 1)]   // u-μP's own embedding rule (× width^-½) slows a tiled embedding's updates by √k: no exact trajectory (0.22 measured)
    [InlineData("sp", 0.01, 0.05, 10)]     // one global rate: it does not (0.7 measured)
    public async Task Continued_training_tracks_the_narrow_trajectory_under_mup_and_umup_and_not_under_sp(string parametrization, double lr, double atLeast, double atMost)
    {
        using var dir = new TempDirectory();
        var spec = Narrow("gpt", parametrization).With("training.gradClip=0", $"optimizer.lr={lr}");
        var checkpoint = await TrainedCheckpoint(dir, spec);
        var more = new[] { "training.steps=30" };

        using var narrow = FromCheckpoint(spec, checkpoint, 16, 1, more);
        using var wide = FromCheckpoint(spec, checkpoint, 64, 4, more);
        foreach (var test in new[] { narrow, wide })
        {
            Assert.Equal(RunStatus.Completed, test.Train(Path.Combine(dir.Path, $"run-{test.GetHashCode()}")).Status);
        }

        double mismatch = Mismatch(narrow.Experiment, wide.Experiment);
        Assert.InRange(mismatch, atLeast, atMost);
    }

    [Fact]
    public async Task A_width_that_is_not_the_factor_times_the_checkpoints_is_refused_naming_the_tensor_and_the_fix()
    {
        using var dir = new TempDirectory();
        var spec = Narrow("mlp", "mup");
        var checkpoint = await TrainedCheckpoint(dir, spec);

        var wrong = Assert.Throws<RunSetupException>(() => FromCheckpoint(spec, checkpoint, 48, 4));
        var missing = Assert.Throws<RunSetupException>(() => FromCheckpoint(spec, Path.Combine(dir.Path, "nowhere"), 64, 4));

        Assert.Contains("which is not 4x wider", wrong.Message);
        Assert.Contains("init.upscale", wrong.Message);
        Assert.StartsWith("init.from: ", missing.Message);
        Assert.Contains("nowhere", missing.Message);
    }

    [Fact]
    public async Task Sp_with_tied_embeddings_is_refused_because_its_readout_would_grow_with_width()
    {
        using var dir = new TempDirectory();
        var spec = Narrow("gpt-tied", "sp");
        var checkpoint = await TrainedCheckpoint(dir, spec);

        var refused = Assert.Throws<RunSetupException>(() => FromCheckpoint(spec, checkpoint, 64, 4));

        Assert.Contains("is tied to", refused.Message);
        Assert.Contains("model.tieEmbeddings", refused.Message);
    }

    [Fact]
    public async Task Forge_upscale_writes_a_spec_that_builds_and_continues_training_from_the_widened_checkpoint()
    {
        using var dir = new TempDirectory();
        var spec = Narrow("gpt", "mup").With("training.steps=10");
        var checkpoint = await TrainedCheckpoint(dir, spec);

        var upscaled = await CliRunner.RunAsync("upscale", checkpoint, "--width", "64", "--noise", "0.01");
        var badWidth = await CliRunner.RunAsync("upscale", checkpoint, "--width", "40");

        Assert.True(upscaled.ExitCode == 0, upscaled.Error);
        Assert.Contains("width 16 -> 64 (4x", upscaled.Output);
        Assert.Contains("widened 4x", upscaled.Output);
        var written = Path.Combine(dir.Path, "test-gpt-w64.json");
        var wide = JsonNode.Parse(File.ReadAllText(written))!;
        Assert.Equal(64, wide["model"]!["width"]!.GetValue<int>());
        Assert.Equal(4, wide["init"]!["upscale"]!.GetValue<int>());
        Assert.Equal(0.01, wide["init"]!["noise"]!.GetValue<double>());
        Assert.False(Path.IsPathRooted(wide["init"]!["from"]!.GetValue<string>())); // relative to the spec: the folder can move
        Assert.Equal(2, badWidth.ExitCode);
        Assert.Contains("--width 40 is not a multiple of the checkpoint's width 16", badWidth.Error);

        var run = await CliRunner.RunAsync("run", written, "--runs", Path.Combine(dir.Path, "wide-runs"), "--set", "training.steps=5");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("started from", run.Output);
        Assert.Contains("widened 4x", run.Output);
    }

    [Fact]
    public async Task A_widened_spec_written_into_another_folder_keeps_reaching_the_data_and_the_checkpoint()
    {
        using var dir = new TempDirectory();
        dir.File("data/tiny.txt", File.ReadAllText(TestSpecs.ShakespearePath)[..20_000]);
        var spec = Narrow("gpt", "mup").With("training.steps=10", "checkpoint={\"interval\":10}", "data.path=../data/tiny.txt");
        var specPath = dir.File("specs/narrow.json", spec.ToJsonString());
        var trained = await CliRunner.RunAsync("run", specPath, "--runs", Path.Combine(dir.Path, "runs"), "--plain");
        Assert.True(trained.ExitCode == 0, trained.Error);
        var checkpoint = Directory.GetDirectories(Path.Combine(CliRunner.RunFolder(dir), "checkpoints")).Single();
        var target = Path.Combine(dir.Path, "elsewhere", "deeper", "wide.json");

        var upscaled = await CliRunner.RunAsync("upscale", checkpoint, "--width", "32", "--output", target);

        Assert.True(upscaled.ExitCode == 0, upscaled.Error);
        var wide = JsonNode.Parse(File.ReadAllText(target))!;
        Assert.Equal("../../data/tiny.txt", wide["data"]!["path"]!.GetValue<string>()); // rebased: still relative, now from the new folder
        Assert.Equal(Path.GetFullPath(checkpoint), Path.GetFullPath(wide["init"]!["from"]!.GetValue<string>(), Path.GetDirectoryName(target)!));
        var run = await CliRunner.RunAsync("run", target, "--runs", Path.Combine(dir.Path, "wide-runs"), "--set", "training.steps=3", "--plain");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("widened 2x", run.Output);
    }
}
