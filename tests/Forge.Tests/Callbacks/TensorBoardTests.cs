using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Tests.Support;

namespace Forge.Tests.Callbacks;

/// <summary>The <c>tensorboard</c> callback, checked by reading its event files back.</summary>
public class TensorBoardTests
{
    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static readonly JsonObject Spec = TestSpecs.Gpt(32, steps: 16).With("training.evalInterval=4", "training.logInterval=2",
        "callbacks=[{\"name\":\"ema\",\"decay\":0.9},{\"name\":\"tensorboard\"}]");

    [Fact]
    public async Task Every_logged_value_of_metrics_jsonl_is_a_scalar_at_its_step()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, Spec);

        Assert.True(result.ExitCode == 0, result.Error);
        var folder = CliRunner.RunFolder(dir);
        var scalars = TensorBoardEvents.Read(Path.Combine(folder, "tensorboard"));
        var records = Lines(Path.Combine(folder, "metrics.jsonl"));
        var expected = records.SelectMany(r => r.Where(f => f.Key != "step" && f.Value is JsonValue v && v.TryGetValue<double>(out _))
            .Select(f => (Tag: f.Key, Step: (long)r["step"]!.GetValue<int>(), Value: (float)f.Value!.GetValue<double>())))
            .Where(x => x.Tag is not ("samples" or "tokens" or "elapsedSeconds")).ToList();
        Assert.Equal(expected.OrderBy(x => x.Step).ThenBy(x => x.Tag), scalars.Select(s => (s.Tag, s.Step, s.Value)).OrderBy(x => x.Step).ThenBy(x => x.Tag));
        Assert.Contains(scalars, s => s.Tag == "emaEvalLoss" && s.Step == 16); // other callbacks' reports too
        Assert.Equal(Enumerable.Range(1, 8).Select(i => 2L * i), scalars.Where(s => s.Tag == "loss").Select(s => s.Step));
    }

    [Fact]
    public void A_run_resumed_from_an_earlier_checkpoint_reads_as_the_uninterrupted_run()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, new CheckpointOptions { Interval = 8, KeepLast = 5 });
        using (var whole = TestExperiment.Build(Spec))
            Assert.Equal(RunStatus.Completed, whole.Train(dir.Path, checkpoints: store).Status);
        var uninterrupted = TensorBoardEvents.AsShown(TensorBoardEvents.Read(Path.Combine(dir.Path, "tensorboard")));

        // As after a kill whose last good checkpoint is step 8: the same folder continues from it, so steps 10-16 are written twice.
        using (var again = TestExperiment.Build(Spec))
        using (var checkpoint = CheckpointStore.Load(Path.Combine(store.Root, "step-00000008")))
            Assert.Equal(RunStatus.Completed, again.Train(dir.Path, resumeFrom: checkpoint).Status);

        var scalars = TensorBoardEvents.Read(Path.Combine(dir.Path, "tensorboard"));
        Assert.Equal(2, scalars.Select(s => s.File).Distinct().Count());
        Assert.Equal(2, scalars.Count(s => s.Tag == "loss" && s.Step == 12));
        var shown = TensorBoardEvents.AsShown(scalars);
        Assert.Equal(uninterrupted.Keys.Order(), shown.Keys.Order());
        Assert.All(shown.Where(p => !p.Key.Tag.EndsWith("PerSecond", StringComparison.Ordinal)),
            p => Assert.Equal(uninterrupted[p.Key], p.Value)); // throughput aside, the curves are the uninterrupted run's, exactly
    }
}
