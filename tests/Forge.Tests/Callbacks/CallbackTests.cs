using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Plugins.Callbacks;
using Forge.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Tests.Callbacks;

/// <summary>The callbacks family: loaded by name, run at the loop's events, their state checkpointed and resumed exactly.</summary>
public class CallbackTests
{
    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static JsonObject Spec(params string[] callbacks) =>
        TestSpecs.Gpt(32, steps: 16).With("training.evalInterval=4", "training.logInterval=2", $"callbacks=[{string.Join(",", callbacks)}]");

    /// <summary>Records every trainable tensor after each applied update (a callback of the test's own).</summary>
    private sealed class WeightRecorder : Forge.Abstractions.Callbacks.ITrainingCallback
    {
        private IReadOnlyList<Forge.Abstractions.Parametrizations.ScaledParameter> _parameters = Array.Empty<Forge.Abstractions.Parametrizations.ScaledParameter>();
        public List<Dictionary<string, Tensor>> AfterEachStep { get; } = new();
        public void OnRunStart(Forge.Abstractions.Callbacks.RunStartContext context) => _parameters = context.Parameters;
        public void OnStepEnd(Forge.Abstractions.Callbacks.StepEndContext context) =>
            AfterEachStep.Add(_parameters.ToDictionary(p => p.Descriptor.Name, p => p.Value.detach().clone().DetachFromDisposeScope()));
    }

    [Fact]
    public void Ema_averages_the_weights_as_the_formula_says_reports_its_loss_beside_the_raw_one_and_leaves_training_unchanged()
    {
        using var plain = new TempDirectory();
        using var averaged = new TempDirectory();
        using (var test = TestExperiment.Build(Spec()))
            test.Train(plain.Path);
        using var withEma = TestExperiment.Build(Spec("{\"name\":\"ema\",\"decay\":0.9,\"startStep\":3}"));
        var recorder = new WeightRecorder();
        var experiment = withEma.WithCallbacks(withEma.Experiment.Callbacks.Append(recorder).ToList());

        var result = TestTraining.Run(experiment, averaged.Path);

        Assert.Equal(RunStatus.Completed, result.Status);
        var raw = Lines(Path.Combine(plain.Path, "metrics.jsonl"));
        var lines = Lines(Path.Combine(averaged.Path, "metrics.jsonl"));
        foreach (var field in new[] { "loss", "gradNorm", "evalLoss" })
            Assert.Equal(raw.Select(l => l[field]?.GetValue<double>()), lines.Select(l => l[field]?.GetValue<double>())); // training is unchanged, exactly
        var evaluated = lines.Where(l => l["evalLoss"] is not null).ToList();
        Assert.Equal(new[] { 4, 8, 12, 16 }, evaluated.Select(l => l["step"]!.GetValue<int>()));
        Assert.All(evaluated, l => Assert.NotEqual(l["evalLoss"]!.GetValue<double>(), l["emaEvalLoss"]!.GetValue<double>()));
        Assert.DoesNotContain(lines, l => l["evalLoss"] is null && l["emaEvalLoss"] is not null);
        Assert.Equal(evaluated[^1]["emaEvalLoss"]!.GetValue<double>(), result.Reported[EmaCallback.EvalLossName]);

        // average_t = w_t up to startStep, then 0.9·average + 0.1·w_t, in float32 as the callback computes it
        var ema = (EmaCallback)experiment.Callbacks[0];
        foreach (var name in recorder.AfterEachStep[0].Keys)
        {
            var expected = recorder.AfterEachStep[2][name].clone();
            foreach (var weights in recorder.AfterEachStep.Skip(3))
                expected = expected.mul(0.9).add(weights[name], alpha: 0.1);
            Assert.True(expected.allclose(ema.Averages![name], rtol: 1e-6, atol: 1e-7), name);
        }
    }

    [Fact]
    public void Ema_keeps_no_tensor_from_step_to_step_beyond_its_averages()
    {
        using var dir = new TempDirectory();
        using var test = TestExperiment.Build(Spec());
        var experiment = test.Experiment;
        using var ema = new EmaCallback(new EmaOptions { Decay = 0.9 });
        ema.OnRunStart(new Forge.Abstractions.Callbacks.RunStartContext(experiment.Model, experiment.Parameters, experiment.Optimizer, 0, 100, dir.Path));
        Forge.Abstractions.Callbacks.StepEndContext Step(int step) => new(step, 100, Logged: false, new Dictionary<string, double>());

        ema.OnStepEnd(Step(1));
        long afterFirst = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int step = 2; step <= 20; step++)
            ema.OnStepEnd(Step(step));

        Assert.Equal(afterFirst, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void EvaluateWith_measures_the_named_weights_and_puts_the_trained_ones_back_exactly_even_when_the_evaluation_fails()
    {
        using var test = TestExperiment.Build(Spec());
        var parameters = test.Experiment.Parameters;
        var trained = parameters.ToDictionary(p => p.Descriptor.Name, p => p.Value.detach().clone());
        var swappedName = parameters[0].Descriptor.Name;
        var other = new Dictionary<string, Tensor> { [swappedName] = full_like(parameters[0].Value, 0.25) };
        bool fail = false;
        double Measure() // what the model's weights are at the call: the swapped tensor's mean and another tensor's sum
        {
            if (fail)
                throw new InvalidOperationException("evaluation failed");
            return parameters[0].Value.mean().item<float>() + parameters[1].Value.sum().item<float>();
        }
        var context = new Forge.Abstractions.Callbacks.EvaluationContext(4, 1.0, parameters, Measure, (_, _) => { });

        double measured = context.EvaluateWith(other);

        Assert.Equal(0.25 + trained[parameters[1].Descriptor.Name].sum().item<float>(), measured, 6); // only the named tensor swapped
        Assert.All(parameters, p => Assert.True(p.Value.equal(trained[p.Descriptor.Name]).all().item<bool>(), p.Descriptor.Name));
        fail = true;
        Assert.Throws<InvalidOperationException>(() => context.EvaluateWith(other));
        Assert.All(parameters, p => Assert.True(p.Value.equal(trained[p.Descriptor.Name]).all().item<bool>(), p.Descriptor.Name));
    }

    [Fact]
    public void A_run_resumed_from_a_checkpoint_reports_the_same_ema_loss_as_the_uninterrupted_run()
    {
        var spec = Spec("{\"name\":\"ema\",\"decay\":0.8}");
        // the same experiment with a watching callback put first: the average is found under its own name all the same
        var resumedSpec = Spec("{\"name\":\"tensorboard\"}", "{\"name\":\"ema\",\"decay\":0.8}");
        using var dir = new TempDirectory();
        var whole = Path.Combine(dir.Path, "whole");
        var store = new CheckpointStore(whole, new CheckpointOptions { Interval = 8, KeepLast = 5 });
        using (var test = TestExperiment.Build(spec))
            Assert.Equal(RunStatus.Completed, test.Train(whole, checkpoints: store).Status);
        Assert.True(File.Exists(Path.Combine(store.Root, "step-00000008", CheckpointStore.CallbacksFile)), "the average is in the checkpoint");

        var resumed = Path.Combine(dir.Path, "resumed");
        using (var test = TestExperiment.Build(resumedSpec)) // as a new process would, from the seed
        using (var checkpoint = CheckpointStore.Load(Path.Combine(store.Root, "step-00000008")))
        {
            Assert.All(checkpoint.Callbacks.Keys, key => Assert.StartsWith("ema.0/", key));
            Assert.Contains("callbacks/ema", checkpoint.Sidecar.PluginVersions.Keys); // beside the other plugins' versions
            Assert.Equal(RunStatus.Completed, test.Train(resumed, resumeFrom: checkpoint).Status);
        }

        var expected = Lines(Path.Combine(whole, "metrics.jsonl")).Where(l => l["step"]!.GetValue<int>() > 8).ToList();
        var actual = Lines(Path.Combine(resumed, "metrics.jsonl"));
        Assert.Equal(expected.Select(l => l["step"]!.GetValue<int>()), actual.Select(l => l["step"]!.GetValue<int>()));
        foreach (var field in new[] { "loss", "evalLoss", "emaEvalLoss" })
            Assert.Equal(expected.Select(l => l[field]?.GetValue<double>()), actual.Select(l => l[field]?.GetValue<double>())); // exact
        Assert.Equal(2, actual.Count(l => l["emaEvalLoss"] is not null));
    }

    [Fact]
    public void A_watching_callback_is_not_part_of_the_experiment_and_one_that_reports_is()
    {
        var loader = new SpecLoader(PluginCatalog.BuiltIn());
        JsonObject Identity(JsonObject spec) => loader.Resolve(spec, Path.Combine(TestSpecs.RepositoryRoot, "experiments", "test.json"), Array.Empty<string>()).Identity;

        var plain = Identity(Spec());
        Assert.True(JsonNode.DeepEquals(plain, Identity(Spec("{\"name\":\"tensorboard\"}"))));
        Assert.False(JsonNode.DeepEquals(plain, Identity(Spec("{\"name\":\"ema\"}"))));
        Assert.False(JsonNode.DeepEquals(Identity(Spec("{\"name\":\"ema\",\"decay\":0.9}")), Identity(Spec("{\"name\":\"ema\",\"decay\":0.99}"))));
        Assert.True(JsonNode.DeepEquals(Identity(Spec("{\"name\":\"ema\"}")), Identity(Spec("{\"name\":\"ema\",\"decay\":0.999}")))); // a default written out is the same experiment
    }

    [Fact]
    public async Task A_callback_from_a_third_party_dll_loads_by_name_and_its_state_survives_a_resume()
    {
        using var dir = new TempDirectory();
        var spec = Spec("{\"name\":\"swa\",\"start\":3}").With("checkpoint.interval=8", "checkpoint.keepLast=4");
        spec["plugins"] = new JsonArray(BuiltPlugins.Swa);

        var whole = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(whole.ExitCode == 0, whole.Error);
        var wholeFolder = CliRunner.RunFolder(dir);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(wholeFolder, "summary.json")))!;
        var lines = Lines(Path.Combine(wholeFolder, "metrics.jsonl"));
        double swa = summary["reported"]!["swaEvalLoss"]!.GetValue<double>();
        Assert.Equal(swa, lines.Last()["swaEvalLoss"]!.GetValue<double>());
        // the output shows the reported value beside the eval loss at evaluations, and in the closing line
        Assert.Matches(@"step \d+/\d+ loss \S+ eval \S+ swaEvalLoss \d+\.\d{4} lr ", whole.Output);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $", swaEvalLoss {swa:F4}; summary in"), whole.Output);

        var resumed = await CliRunner.RunSpecAsync(dir, spec, "--resume", Path.Combine(wholeFolder, "checkpoints", "step-00000008"));
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var resumedFolder = Directory.GetDirectories(Path.GetDirectoryName(wholeFolder)!).Single(d => d != wholeFolder);
        var after = Lines(Path.Combine(resumedFolder, "metrics.jsonl"));
        var expected = lines.Where(l => l["step"]!.GetValue<int>() > 8).ToList();
        Assert.Equal(expected.Select(l => l["loss"]!.GetValue<double>()), after.Select(l => l["loss"]!.GetValue<double>()));
        Assert.Equal(expected.Select(l => l["evalLoss"]?.GetValue<double>()), after.Select(l => l["evalLoss"]?.GetValue<double>()));
        Assert.Equal(expected.Select(l => l["swaEvalLoss"]?.GetValue<double>()), after.Select(l => l["swaEvalLoss"]?.GetValue<double>()));
    }

    [Fact]
    public async Task An_unknown_callback_or_a_bad_entry_is_a_spec_error_naming_its_place_in_the_list()
    {
        using var dir = new TempDirectory();

        var unknown = await CliRunner.RunSpecAsync(dir, Spec("{\"name\":\"emma\"}"));
        var notAnObject = await CliRunner.RunSpecAsync(dir, Spec("\"ema\""));
        var badOption = await CliRunner.RunSpecAsync(dir, Spec("{\"name\":\"tensorboard\"}", "{\"name\":\"ema\",\"decay\":1.5}"));

        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("callbacks[0].name: unknown callback plugin 'emma'; did you mean 'ema'?", unknown.Error);
        Assert.Equal(2, notAnObject.ExitCode);
        Assert.Contains("callbacks[0]: \"ema\" is not allowed here; each callback is an object", notAnObject.Error);
        Assert.Equal(2, badOption.ExitCode);
        Assert.Contains("callbacks[1].decay: is 1.5, but must be >= 0 and < 1", badOption.Error);
    }
}
