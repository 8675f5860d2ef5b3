using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Checkpoints;
using Forge.Core.Runs;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Tests.Checkpoints;

/// <summary>Checkpoints and resume: a stopped and resumed run is the same run, bit for bit.</summary>
public class ResumeTests
{
    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static List<double> Losses(string metricsPath) => Lines(metricsPath).Select(l => l["loss"]!.GetValue<double>()).ToList();

    [Theory]
    [InlineData("mup", null)]
    [InlineData("umup", null)]
    [InlineData("sp", "{\"name\":\"muon\",\"lr\":0.02,\"weightDecay\":0.1}")] // Muon's momentum buffers and its AdamW's moments
    public void A_run_stopped_halfway_and_resumed_matches_the_uninterrupted_run_at_every_step(string parametrization, string? optimizer)
    {
        var spec = TestSpecs.Gpt(32, steps: 16, parametrization).With("checkpoint.interval=0", "training.evalInterval=8", "metrics.layers.interval=5");
        if (optimizer is not null)
            spec = spec.With($"optimizer={optimizer}");
        using var dir = new TempDirectory();

        var (wholeFolder, runFolder) = InterruptedRun.Train(spec, dir, stopAt: 8);

        var whole16 = Lines(Path.Combine(wholeFolder, "metrics.jsonl"));
        var parts16 = Lines(Path.Combine(runFolder, "metrics.jsonl"));
        Assert.Equal(Enumerable.Range(1, 16), parts16.Select(l => l["step"]!.GetValue<int>()));
        foreach (var field in new[] { "loss", "gradNorm", "lr" })
            Assert.Equal(whole16.Select(l => l[field]!.GetValue<double>()), parts16.Select(l => l[field]!.GetValue<double>())); // exact
        Assert.Equal(whole16.Where(l => l["evalLoss"] is not null).Select(l => l["evalLoss"]!.GetValue<double>()),
            parts16.Where(l => l["evalLoss"] is not null).Select(l => l["evalLoss"]!.GetValue<double>()));
        Assert.Equal(whole16.Last()["tokens"]!.GetValue<long>(), parts16.Last()["tokens"]!.GetValue<long>());
        Assert.Equal(File.ReadAllLines(Path.Combine(wholeFolder, "layers.jsonl")), File.ReadAllLines(Path.Combine(runFolder, "layers.jsonl")));
    }

    [Fact]
    public void A_checkpoint_holds_readable_tensors_and_a_sidecar_with_the_run_state()
    {
        var spec = TestSpecs.Gpt(32, steps: 6).With("checkpoint.interval=3", "checkpoint.keepLast=1", "checkpoint.permanentInterval=3");
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, new CheckpointOptions { Interval = 3, KeepLast = 1, PermanentInterval = 3 });
        using var test = TestExperiment.Build(spec);
        test.Train(dir.Path, checkpoints: store);

        Assert.Equal(new[] { "step-00000006", "step-00000003" }, store.Folders().Select(Path.GetFileName)); // step 3 is permanent, so keepLast 1 keeps it
        var sidecar = JsonNode.Parse(File.ReadAllText(Path.Combine(store.Folders()[0], "checkpoint.json")))!;
        Assert.Equal(6, sidecar["step"]!.GetValue<int>());
        Assert.Equal(6 * 4 * 16, sidecar["position"]!["tokens"]!.GetValue<long>()); // steps x batch x context
        Assert.Equal("mup", sidecar["parametrization"]!.GetValue<string>());
        Assert.Equal("gpt", sidecar["spec"]!["model"]!["name"]!.GetValue<string>());
        Assert.Contains(sidecar["tensors"]!.AsArray(), t => t!["role"]!.GetValue<string>() == "hidden" && t["fanIn"]!["scalesWithWidth"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(sidecar["dataGeneratorState"]!.GetValue<string>()));
        Assert.True(sidecar["pluginVersions"]!.AsObject().ContainsKey("model/gpt"));
        Assert.Equal(6.0, sidecar["optimizerScalars"]!.AsObject().First().Value!.GetValue<double>()); // AdamW's step count per tensor

        using var checkpoint = CheckpointStore.Load(store.Folders()[0]);
        Assert.Equal(test.Experiment.Parameters.Select(p => p.Descriptor.Name).Order(), checkpoint.Model.Keys.Order());
        Assert.Contains(checkpoint.Optimizer.Keys, k => k.EndsWith(".exp_avg_sq", StringComparison.Ordinal));
        foreach (var p in test.Experiment.Parameters)
            Assert.True(p.Value.detach().equal(checkpoint.Model[p.Descriptor.Name]).all().item<bool>(), p.Descriptor.Name);
    }

    [Fact]
    public void A_failed_checkpoint_write_keeps_the_previous_checkpoint_and_training_goes_on()
    {
        var spec = TestSpecs.Gpt(32, steps: 6).With("checkpoint.interval=2");
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, new CheckpointOptions { Interval = 2, KeepLast = 5 });
        // Something in the way of step 4's temporary folder: its write fails like a full disk would.
        Directory.CreateDirectory(store.Root);
        File.WriteAllText(Path.Combine(store.Root, $".tmp-step-00000004-{Environment.ProcessId}"), "in the way");
        using var test = TestExperiment.Build(spec);

        var result = test.Train(dir.Path, checkpoints: store);

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(1, result.CheckpointFailures);
        Assert.Equal(new[] { "step-00000006", "step-00000002" }, store.Folders().Select(Path.GetFileName));
        Assert.All(store.Folders(), f => CheckpointStore.Load(f).Dispose());
    }
}
