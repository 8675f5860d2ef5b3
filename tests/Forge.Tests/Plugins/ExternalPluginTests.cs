using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Checkpoints;
using Forge.Core.Files;

namespace Forge.Tests.Plugins;

/// <summary>
/// Third-party plugins built as separate projects (samples/Signum, samples/Gpt2Init, tests/FaultyPlugin) that the host
/// does not reference, loaded by path from a spec, from --plugins and from FORGE_PLUGIN_PATH.
/// </summary>
public class ExternalPluginTests
{
    private static JsonObject Spec(params string[] overrides) => TestSpecs.Gpt(32, steps: 20).With(overrides);

    private static JsonNode Plugins(params string[] paths) => new JsonArray(paths.Select(p => (JsonNode)JsonValue.Create(p)!).ToArray());

    [Fact]
    public async Task A_spec_loads_the_signum_sample_by_path_trains_with_it_and_checkpoints_its_state()
    {
        using var dir = new TempDirectory();
        var spec = Spec("optimizer={\"name\":\"signum\",\"lr\":0.001}", "checkpoint.interval=10");
        spec["plugins"] = Plugins(BuiltPlugins.Signum);

        var run = await CliRunner.RunSpecAsync(dir, spec);
        var inspect = await CliRunner.RunAsync("inspect", dir.File("spec.json", spec.ToJsonString()));

        Assert.True(run.ExitCode == 0, run.Error);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(CliRunner.RunFolder(dir), "summary.json")))!;
        Assert.True(summary["finalEvalLoss"]!.GetValue<double>() < summary["initialEvalLoss"]!.GetValue<double>() - 0.3);
        Assert.Contains("mup with signum: base lr 0.001", inspect.Output);
        using var checkpoint = CheckpointStore.Load(Path.Combine(CliRunner.RunFolder(dir), "checkpoints", "step-00000020"));
        Assert.Contains(checkpoint.Optimizer.Keys, k => k.EndsWith(".MomentumBuffer", StringComparison.Ordinal)); // Signum's momentum, by reflection
        Assert.Equal(20.0, checkpoint.Sidecar.OptimizerScalars.First(s => s.Key.EndsWith(".Step", StringComparison.Ordinal)).Value);
    }

    [Fact]
    public async Task The_gpt2_sample_from_a_build_folder_initialises_as_gpt2_does_with_one_global_rate()
    {
        using var dir = new TempDirectory();
        var spec = dir.File("gpt2.json", Spec("model.depth=4", "parametrization={\"name\":\"gpt2\",\"initStd\":0.02}").ToJsonString());

        var result = await CliRunner.RunAsync("inspect", spec, "--plugins", BuiltPlugins.Gpt2InitFolder, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        var rows = JsonNode.Parse(result.Output)!["rows"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>());
        double Std(string name) => rows[name]!["initStd"]!.GetValue<double>();
        Assert.Equal(0.02, Std("embedding_tokens.weight"), 12);
        Assert.Equal(0.02, Std("blocks.0.attention.query.weight"), 12);
        Assert.Equal(0.02 / Math.Sqrt(8), Std("blocks.3.attention.output.weight"), 12); // residual projections: σ/√(2L), L = 4
        Assert.Equal(0.02 / Math.Sqrt(8), Std("blocks.0.mlp.down.weight"), 12);
        Assert.Equal(0.0, Std("blocks.0.mlp.down.bias"));
        Assert.All(rows.Values, r => Assert.Equal(0.01, r!["learningRate"]!.GetValue<double>(), 12)); // SP: one global rate
    }

    [Fact]
    public async Task A_clash_names_both_sources_and_a_qualified_name_chooses_one()
    {
        using var dir = new TempDirectory();
        var ambiguous = Spec("optimizer={\"name\":\"signum\"}");
        ambiguous["plugins"] = Plugins(BuiltPlugins.Signum, BuiltPlugins.Faulty);
        var qualified = Spec("optimizer={\"name\":\"Forge.Tests.FaultyPlugin/signum\"}");
        qualified["plugins"] = Plugins(BuiltPlugins.Signum, BuiltPlugins.Faulty);

        var clash = await CliRunner.RunAsync("validate", dir.File("a.json", ambiguous.ToJsonString()));
        var chosen = await CliRunner.RunAsync("inspect", dir.File("q.json", qualified.ToJsonString()));

        Assert.Equal(2, clash.ExitCode);
        Assert.Contains("optimizer.name: 'signum' names 2 optimizer plugins", clash.Error);
        Assert.Contains(BuiltPlugins.Signum, clash.Error);
        Assert.Contains(BuiltPlugins.Faulty, clash.Error);
        Assert.Contains("\"Forge.Samples.Signum/signum\" or \"Forge.Tests.FaultyPlugin/signum\"", clash.Error);
        Assert.True(chosen.ExitCode == 0, chosen.Error);
        Assert.Contains("with signum: base lr 0.01,", chosen.Output); // the impostor's rate (the real Signum's default is 1e-4)
    }

    [Fact]
    public async Task Each_bad_plugin_is_refused_before_training_with_its_file_and_exit_code_2()
    {
        using var dir = new TempDirectory();
        var wrongMajor = BuiltPlugins.CopyTo(BuiltPlugins.Signum, Path.Combine(dir.Path, "v2"));
        BuiltPlugins.SetAbstractionsMajor(wrongMajor, 2);
        var abstractions = typeof(Forge.Abstractions.Models.IModelPlugin).Assembly.GetName().Version!;
        var notDotNet = dir.File("notes.dll", "plain text, not an assembly");
        var notForge = Path.Combine(AppContext.BaseDirectory, "Spectre.Console.dll");
        var cases = new (JsonNode Plugins, string Optimizer, string Expected)[]
        {
            (Plugins(Path.Combine(dir.Path, "missing", "Plugin.dll")), "adamw", "plugins[0]: " + Path.Combine(dir.Path, "missing", "Plugin.dll") + " does not exist"),
            (Plugins(notDotNet), "adamw", $"plugins[0]: {notDotNet} is not a .NET assembly"),
            (Plugins(notForge), "adamw", $"plugins[0]: {notForge} is not a Forge plugin: it does not reference Forge.Abstractions"),
            (Plugins(wrongMajor), "signum", $"was built against Forge.Abstractions 2.{abstractions.Minor}.0, but this Forge has Forge.Abstractions 1.{abstractions.Minor}.0"),
            (new JsonArray(new JsonObject { ["path"] = BuiltPlugins.Signum, ["sha256"] = new string('0', 64) }), "signum", $"plugins[0]: {BuiltPlugins.Signum} has SHA-256 "),
            (Plugins(BuiltPlugins.Faulty), "throwing", $"The optimizer plugin 'throwing' (Forge.Tests.FaultyPlugin.ThrowingOptimizer in {BuiltPlugins.Faulty}) failed: InvalidOperationException: this plugin always fails to construct"),
        };
        foreach (var (plugins, optimizer, expected) in cases)
        {
            var spec = Spec($"optimizer={{\"name\":\"{optimizer}\"}}");
            spec["plugins"] = plugins.DeepClone();

            var result = await CliRunner.RunSpecAsync(dir, spec);

            Assert.True(result.ExitCode == 2, $"{expected}: exit {result.ExitCode}\n{result.Error}");
            Assert.Contains(expected, result.Error);
            Assert.DoesNotContain("   at ", result.Error);
        }
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs")) && Directory.GetFiles(Path.Combine(dir.Path, "runs"), "metrics.jsonl", SearchOption.AllDirectories).Length > 0);
    }

    [Fact]
    public async Task A_pinned_hash_that_matches_loads()
    {
        using var dir = new TempDirectory();
        var spec = Spec("optimizer={\"name\":\"signum\",\"lr\":0.001}", "training.steps=2");
        spec["plugins"] = new JsonArray(new JsonObject { ["path"] = BuiltPlugins.Signum, ["sha256"] = FileHash.Sha256Of(BuiltPlugins.Signum).ToUpperInvariant() });

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.True(result.ExitCode == 0, result.Error);
    }
}
