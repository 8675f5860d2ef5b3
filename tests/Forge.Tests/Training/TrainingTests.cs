using System.Text.Json.Nodes;
using Forge.Tests.Support;
using TorchSharp;
using Forge.Core.Runs;
using Forge.Core.Training;

namespace Forge.Tests.Training;

public class TrainingTests
{
    private static List<JsonObject> Metrics(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static JsonObject Summary(string runFolder) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(runFolder, "summary.json")))!.AsObject();

    /// <summary>Runs <paramref name="spec"/> through the CLI and returns the held-out loss before and after training.</summary>
    private static async Task<(double Before, double After, string RunFolder)> TrainAsync(TempDirectory dir, JsonObject spec)
    {
        var result = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(result.ExitCode == 0, result.Error);
        var folder = CliRunner.RunFolder(dir);
        var summary = Summary(folder);
        Assert.Equal("completed", summary["status"]!.GetValue<string>());
        return (summary["initialEvalLoss"]!.GetValue<double>(), summary["finalEvalLoss"]!.GetValue<double>(), folder);
    }

    [Fact]
    public async Task An_mlp_on_synthetic_regression_cuts_the_held_out_loss_at_least_fivefold()
    {
        using var dir = new TempDirectory();

        var (before, after, _) = await TrainAsync(dir, TestSpecs.SyntheticRegression(steps: 100));

        Assert.True(after * 5 < before, $"eval loss {before} -> {after}: expected at least a 5x reduction");
    }

    [Fact]
    public async Task Classification_with_nesterov_sgd_lowers_the_cross_entropy()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression(steps: 60);
        spec["data"] = new JsonObject { ["name"] = "synthetic", ["task"] = "classification", ["features"] = 8, ["outputs"] = 4 };
        spec["optimizer"] = new JsonObject { ["name"] = "sgd", ["lr"] = 0.2, ["momentum"] = 0.9, ["nesterov"] = true };

        var (before, after, _) = await TrainAsync(dir, spec);

        Assert.InRange(before, 1.2, 1.6); // about ln(4) = 1.386 for 4 classes before training
        Assert.True(after < 0.75 * before, $"cross-entropy {before} -> {after}: expected a drop of at least 25%");
    }

    [Fact]
    public async Task A_character_model_on_shakespeare_learns_in_a_few_steps()
    {
        using var dir = new TempDirectory();

        var (before, after, folder) = await TrainAsync(dir, TestSpecs.Text(steps: 30));

        Assert.True(before > 3.9, $"an untrained model should be near ln(65) = 4.17 nats, was {before}");
        Assert.True(after < before - 0.5, $"eval loss {before} -> {after}: expected a drop of more than 0.5 nats in 30 steps");
        var metrics = Metrics(folder);
        Assert.Equal(new[] { 10, 20, 30 }, metrics.Select(m => m["step"]!.GetValue<int>()));
        Assert.All(metrics, m => Assert.True(m["tokensPerSecond"]!.GetValue<double>() > 0));
    }

    [Fact]
    public async Task The_same_spec_and_seed_give_identical_losses_and_another_seed_does_not()
    {
        using var a = new TempDirectory();
        using var b = new TempDirectory();
        using var c = new TempDirectory();

        await CliRunner.RunSpecAsync(a, TestSpecs.SyntheticRegression(steps: 30, seed: 11));
        await CliRunner.RunSpecAsync(b, TestSpecs.SyntheticRegression(steps: 30, seed: 11));
        await CliRunner.RunSpecAsync(c, TestSpecs.SyntheticRegression(steps: 30, seed: 12));

        var lossesA = Metrics(CliRunner.RunFolder(a)).Select(m => m["loss"]!.GetValue<double>()).ToList();
        var lossesB = Metrics(CliRunner.RunFolder(b)).Select(m => m["loss"]!.GetValue<double>()).ToList();
        var lossesC = Metrics(CliRunner.RunFolder(c)).Select(m => m["loss"]!.GetValue<double>()).ToList();
        Assert.Equal(6, lossesA.Count);
        Assert.Equal(lossesA, lossesB);
        Assert.NotEqual(lossesA, lossesC);
    }

    [Fact]
    public void Training_steps_do_not_leak_tensors()
    {
        using var test = TestExperiment.Build(TestSpecs.SyntheticRegression(steps: 10));
        using var dir = new TempDirectory();

        test.Train(dir.Path); // creates optimizer state
        long afterFirst = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++) // 50 more steps, 5 more evaluations
            test.Train(dir.Path);
        long afterMore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.Equal(afterFirst, afterMore);
    }

    [Fact]
    public async Task A_run_folder_holds_the_resolved_spec_the_metrics_and_the_summary()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression(steps: 20), "--set", "optimizer.lr=0.002", "--set", "model.width=16");

        Assert.Equal(0, result.ExitCode);
        var folder = CliRunner.RunFolder(dir);
        Assert.Equal(Path.Combine(dir.Path, "runs", "test-synthetic"), Path.GetDirectoryName(folder));
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "spec.json")))!;
        Assert.Equal(0.002, spec["optimizer"]!["lr"]!.GetValue<double>());
        Assert.Equal(16, spec["model"]!["width"]!.GetValue<int>());

        var metrics = Metrics(folder);
        Assert.Equal(new[] { 5, 10, 15, 20 }, metrics.Select(m => m["step"]!.GetValue<int>()));
        Assert.All(metrics, m => Assert.True(m.ContainsKey("loss") && m.ContainsKey("lr") && m.ContainsKey("gradNorm") && m.ContainsKey("examplesPerSecond")));
        Assert.Equal(new[] { false, false, false, true }, metrics.Select(m => m.ContainsKey("evalLoss")));
        Assert.Equal(0.002 * 0.1, metrics[^1]["lr"]!.GetValue<double>(), 9); // cosine to minLrRatio 0.1 at the last step

        var summary = Summary(folder);
        Assert.Equal("completed", summary["status"]!.GetValue<string>());
        Assert.Equal(20, summary["steps"]!.GetValue<int>());
        Assert.Equal(metrics[^1]["evalLoss"]!.GetValue<double>(), summary["finalEvalLoss"]!.GetValue<double>());
        Assert.Equal(new[] { "optimizer.lr=0.002", "model.width=16" }, summary["overrides"]!.AsArray().Select(o => o!.GetValue<string>()));
        Assert.Equal(16 * 8 + 16 + 16 * 16 + 16 + 2 * 16 + 2, summary["parameters"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_diverging_run_stops_writes_its_summary_and_exits_with_1()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression(steps: 50);
        spec["optimizer"] = new JsonObject { ["name"] = "sgd", ["lr"] = 1e4 };
        spec["training"]!["gradClip"] = 0;

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.Equal(1, result.ExitCode);
        var summary = Summary(CliRunner.RunFolder(dir));
        Assert.Equal("diverged", summary["status"]!.GetValue<string>());
        Assert.Contains("Training diverged at step", summary["error"]!.GetValue<string>());
        Assert.Contains("diverged", result.Error);
    }

    [Fact]
    public void A_failure_in_the_middle_of_training_is_reported_with_the_steps_done()
    {
        using var test = TestExperiment.Build(TestSpecs.SyntheticRegression(steps: 20));
        var failing = test.WithDataset(dataset => new FailingDataset(dataset, failOnBatch: 8));
        using var dir = new TempDirectory();

        var result = TestTraining.Run(failing, dir.Path);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(7, result.Steps);
        Assert.Contains("Training failed after 7 steps: IOException: disk went away", result.Error);
        Assert.NotNull(result.Position.InitialEvalLoss);
        Assert.NotNull(result.Position.LastTrainLoss); // step 5 was logged
    }

    private sealed class FailingDataset(Forge.Abstractions.Data.IDatasetPlugin inner, int failOnBatch) : Forge.Abstractions.Data.IDatasetPlugin
    {
        private int _batches;
        public Forge.Abstractions.Data.DataDescription Description => inner.Description;
        public Forge.Abstractions.Data.Batch NextTrainingBatch(int batchSize, torch.Generator generator) =>
            ++_batches == failOnBatch ? throw new IOException("disk went away") : inner.NextTrainingBatch(batchSize, generator);
        public IEnumerable<Forge.Abstractions.Data.Batch> EvaluationBatches(int batchSize, int count) => inner.EvaluationBatches(batchSize, count);
    }

    [Fact]
    public void The_schedule_scales_every_group_relative_to_its_own_rate_so_per_tensor_ratios_survive()
    {
        var spec = TestSpecs.SyntheticRegression(steps: 10).With("model.width=128",
            "parametrization={\"name\":\"mup\",\"baseWidth\":32}", "training.schedule={\"decay\":\"linear\",\"minLrRatio\":0.5}");
        using var test = TestExperiment.Build(spec);
        using var dir = new TempDirectory();
        var groups = test.Experiment.Optimizer.ParamGroups.Cast<TorchSharp.Modules.ParamGroup>().ToList();
        var initial = groups.Select(g => g.LearningRate).ToList();

        test.Train(dir.Path);

        Assert.Equal(new[] { 0.003, 0.003 / 4 }, initial.Distinct().Order().Reverse()); // muP: hidden weights at lr / m
        Assert.All(groups.Zip(initial), p => Assert.Equal(0.5 * p.Second, p.First.LearningRate, 12)); // last step of the linear decay
    }

    [Fact]
    public void Gradient_clipping_caps_the_global_norm()
    {
        using var test = TestExperiment.Build(TestSpecs.SyntheticRegression());
        var parameters = test.Experiment.Trainable;
        foreach (var p in parameters)
            p.grad = torch.ones_like(p) * 10;

        using var before = GradientNorm.Compute(parameters);
        GradientNorm.Clip(parameters, before, 1.0);
        using var after = GradientNorm.Compute(parameters);

        Assert.True(before.item<float>() > 100);
        Assert.Equal(1.0, after.item<float>(), 3);
    }
}
