using Forge.Tests.Support;

namespace Forge.Tests.Checkpoints;

/// <summary>Damaged, incomplete and mismatched checkpoints, and run folders that cannot be written: clear errors, exit 2, nothing lost.</summary>
public class CheckpointInputTests
{
    /// <summary>A finished 6-step run with checkpoints at steps 3 and 6; returns the spec path, runs root and run folder.</summary>
    private static async Task<(string Spec, string Runs, string Folder)> TrainAsync(TempDirectory dir)
    {
        var spec = dir.File("spec.json", TestSpecs.Gpt(32, steps: 6).With("checkpoint.interval=3").ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        var result = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain");
        Assert.True(result.ExitCode == 0, result.Error);
        return (spec, runs, CliRunner.RunFolder(dir));
    }

    private static string Step(string folder, int step) => Path.Combine(folder, "checkpoints", $"step-{step:D8}");

    [Fact]
    public async Task A_damaged_or_incomplete_checkpoint_is_refused_by_name()
    {
        using var dir = new TempDirectory();
        var (spec, runs, folder) = await TrainAsync(dir);
        var model = Path.Combine(Step(folder, 6), "model.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^10] ^= 0xFF; // one flipped byte in the weights
        File.WriteAllBytes(model, bytes);
        var optimizer = Path.Combine(Step(folder, 3), "optimizer.safetensors");
        File.WriteAllBytes(optimizer, File.ReadAllBytes(optimizer)[..100]); // truncated

        var flipped = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--resume", Step(folder, 6));
        var truncated = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--resume", Step(folder, 3));
        File.Delete(Path.Combine(Step(folder, 3), "checkpoint.json"));
        var incomplete = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--resume", Step(folder, 3));
        var noneLeft = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain", "--resume", folder);

        Assert.Equal(2, flipped.ExitCode);
        Assert.Contains($"{model} is damaged: its SHA-256 is", flipped.Error);
        Assert.Equal(2, truncated.ExitCode);
        Assert.Contains($"{optimizer} is damaged", truncated.Error);
        Assert.Equal(2, incomplete.ExitCode);
        Assert.Contains("is neither \"auto\"", incomplete.Error); // without its sidecar the folder is not a checkpoint
        Assert.Equal(2, noneLeft.ExitCode);
        Assert.Contains("has no valid checkpoint", noneLeft.Error);
        Assert.All(new[] { flipped, truncated, incomplete, noneLeft }, r => Assert.DoesNotContain("   at ", r.Error));
    }

    [Fact]
    public async Task Resume_auto_passes_over_a_damaged_newest_checkpoint_to_the_previous_one()
    {
        using var dir = new TempDirectory();
        var (spec, runs, folder) = await TrainAsync(dir);
        File.Delete(Path.Combine(folder, "summary.json")); // as if the process had been killed
        var model = Path.Combine(Step(folder, 6), "model.safetensors");
        File.WriteAllBytes(model, File.ReadAllBytes(model)[..50]);

        var result = await CliRunner.RunAsync("run", spec, "--runs", runs, "--plain");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"warning: skipping a damaged checkpoint: {model} is damaged", result.Error);
        Assert.Contains($"resuming from {Step(folder, 3)} (step 3 of 6)", result.Output);
        Assert.Equal(folder, CliRunner.RunFolder(dir));
    }

    [Fact]
    public async Task A_checkpoint_of_another_model_shape_is_refused_before_anything_is_written()
    {
        using var dir = new TempDirectory();
        var (_, runs, folder) = await TrainAsync(dir);
        var wider = dir.File("wider.json", TestSpecs.Gpt(64, steps: 6).ToJsonString());

        var result = await CliRunner.RunAsync("run", wider, "--runs", runs, "--plain", "--resume", folder);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is from a different model: ", result.Error);
        Assert.Contains("is [32] there but [64] here", result.Error);
        Assert.Single(Directory.GetDirectories(Path.Combine(runs, "test-gpt"))); // no new run folder
    }

    [Fact]
    public async Task An_unwritable_runs_folder_is_reported_before_training()
    {
        using var dir = new TempDirectory();
        var notAFolder = dir.File("runs", "a file where the runs folder should be");
        var spec = dir.File("spec.json", TestSpecs.Gpt(32, steps: 6).ToJsonString());

        var result = await CliRunner.RunAsync("run", spec, "--runs", notAFolder, "--plain");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot create the run folder", result.Error);
        Assert.Contains("--runs", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
