using System.Text.Json.Nodes;
using Forge.Abstractions.Data;
using Forge.Tests.Support;
using TorchSharp;
using Forge.Core.Checkpoints;
using Forge.Core.Training;

namespace Forge.Tests.Training;

/// <summary>The divergence guard (stop, skip, rollback) and loss-spike detection, driven by one poisoned batch.</summary>
public class GuardTests
{
    /// <summary>
    /// Wraps a dataset so that its <paramref name="at"/>-th training batch (with <paramref name="onward"/>, every batch
    /// from that one on) is changed by <paramref name="poison"/>.
    /// </summary>
    private sealed class PoisonedDataset(IDatasetPlugin inner, int at, Func<Batch, Batch> poison, bool onward = false) : IDatasetPlugin
    {
        private int _batches;
        public DataDescription Description => inner.Description;
        public Batch NextTrainingBatch(int batchSize, torch.Generator generator)
        {
            var batch = inner.NextTrainingBatch(batchSize, generator);
            ++_batches;
            return _batches == at || (onward && _batches > at) ? poison(batch) : batch;
        }
        public IEnumerable<Batch> EvaluationBatches(int batchSize, int count) => inner.EvaluationBatches(batchSize, count);
    }

    private static Batch WithNaN(Batch batch) => new(batch.Inputs * float.NaN, batch.Targets);

    private static Batch Scaled(Batch batch) => new(batch.Inputs, batch.Targets * 1000);

    private static (TrainedRun Result, List<JsonObject> Metrics) Train(JsonObject spec, int poisonAt, Func<Batch, Batch> poison, string folder, bool checkpoints = false, bool onward = false)
    {
        using var test = TestExperiment.Build(spec);
        var experiment = test.WithDataset(dataset => new PoisonedDataset(dataset, poisonAt, poison, onward));
        var metricsPath = Path.Combine(folder, "metrics.jsonl");
        var result = TestTraining.Run(experiment, folder, checkpoints: checkpoints ? new CheckpointStore(folder, experiment.Spec.Settings.Checkpoint) : null);
        return (result, File.ReadAllLines(metricsPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList());
    }

    private static JsonObject Spec(string policy) =>
        TestSpecs.SyntheticRegression(steps: 20).With("training.logInterval=1", $"guard.onNonFinite={policy}", "checkpoint.interval=5");

    [Fact]
    public void Stop_ends_the_run_at_the_first_non_finite_loss_and_names_the_poisoned_tensors()
    {
        using var dir = new TempDirectory();

        var (result, _) = Train(Spec("stop"), poisonAt: 7, WithNaN, dir.Path);

        Assert.Equal(RunStatus.Diverged, result.Status);
        Assert.Contains("Training diverged at step 7", result.Error);
        Assert.Contains("input.weight", result.NonFiniteTensors!); // the first layer took the NaN update
        Assert.Contains("Non-finite gradients or weights in: input.weight", result.Error);
    }

    [Fact]
    public void Skip_drops_the_poisoned_update_and_training_goes_on_unharmed()
    {
        using var dir = new TempDirectory();
        using var clean = new TempDirectory();

        var (result, metrics) = Train(Spec("skip"), poisonAt: 7, WithNaN, dir.Path);
        var (_, reference) = Train(Spec("skip"), poisonAt: 1000, WithNaN, clean.Path);

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(1, result.Position.SkippedUpdates);
        Assert.DoesNotContain(metrics, m => m["step"]!.GetValue<int>() == 7); // the skipped step is not logged
        Assert.All(metrics, m => Assert.True(double.IsFinite(m["loss"]!.GetValue<double>())));
        Assert.Equal(reference.Single(m => m["step"]!.GetValue<int>() == 6)["loss"]!.GetValue<double>(),
            metrics.Single(m => m["step"]!.GetValue<int>() == 6)["loss"]!.GetValue<double>()); // identical until the poison
    }

    [Fact]
    public void Too_many_skips_in_a_row_end_the_run_with_every_skipped_update_counted_as_a_step_taken()
    {
        using var dir = new TempDirectory();

        var (result, _) = Train(Spec("skip").With("guard.maxConsecutiveSkips=3"), poisonAt: 5, WithNaN, dir.Path, onward: true);

        Assert.Equal(RunStatus.Diverged, result.Status);
        Assert.Contains("3 updates in a row were skipped", result.Error);
        Assert.Equal(3, result.Position.SkippedUpdates);
        Assert.Equal(7, result.Position.Step); // steps 5, 6 and 7 were taken and skipped
        Assert.Equal(7L * 32, result.Position.Samples);
    }

    [Fact]
    public void Rollback_reloads_the_last_checkpoint_and_continues_at_half_the_learning_rate()
    {
        using var dir = new TempDirectory();

        var (result, metrics) = Train(Spec("rollback"), poisonAt: 7, WithNaN, dir.Path, checkpoints: true);

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(1, result.Position.Rollbacks);
        Assert.Equal(0.5, result.Position.LearningRateScale);
        Assert.Equal(20, result.Steps);
        var steps = metrics.Select(m => m["step"]!.GetValue<int>()).ToList();
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6, 6, 7 }, steps.Take(8)); // steps 6 (and 7, which failed) were replayed from the step-5 checkpoint
        var before = metrics.First(m => m["step"]!.GetValue<int>() == 6)["lr"]!.GetValue<double>();
        var after = metrics.Last(m => m["step"]!.GetValue<int>() == 6)["lr"]!.GetValue<double>();
        Assert.Equal(before / 2, after, 12);
    }

    [Fact]
    public void Rollback_without_a_checkpoint_stops_and_says_why()
    {
        using var dir = new TempDirectory();

        var (result, _) = Train(Spec("rollback"), poisonAt: 3, WithNaN, dir.Path, checkpoints: false);

        Assert.Equal(RunStatus.Diverged, result.Status);
        Assert.Contains("no checkpoint to roll back to", result.Error);
    }

    [Fact]
    public void A_loss_spike_is_reported_in_metrics_and_counted_without_stopping()
    {
        using var dir = new TempDirectory();

        var (result, metrics) = Train(Spec("stop"), poisonAt: 12, Scaled, dir.Path);

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(1, result.Position.LossSpikes);
        var spiked = Assert.Single(metrics, m => m["spike"] is not null);
        Assert.Equal(12, spiked["step"]!.GetValue<int>());
    }
}
