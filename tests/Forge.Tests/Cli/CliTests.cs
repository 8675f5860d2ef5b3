using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Composition;
using Forge.Core.Plugins;

namespace Forge.Tests.Cli;

public class CliTests
{
    [Fact]
    public async Task A_bad_spec_exits_with_2_and_lists_every_problem_without_a_stack_trace()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression();
        spec["model"]!["name"] = "mpl";
        spec["optimizer"]!["lr"] = "fast";

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has 2 problems", result.Error);
        Assert.Contains("model.name: unknown model plugin 'mpl'", result.Error);
        Assert.Contains("optimizer.lr: \"fast\" is not allowed here; expected a number", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs")), "a spec that fails validation must not leave a run folder");
    }

    [Fact]
    public async Task A_missing_spec_file_exits_with_2()
    {
        var result = await CliRunner.RunAsync("run", "/nonexistent/spec.json", "--plain");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("does not exist", result.Error);
    }

    [Fact]
    public async Task A_data_file_the_spec_names_but_that_is_missing_exits_with_2_naming_the_field()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.Text();
        spec["data"]!["path"] = "missing.txt";

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("data.path: cannot read the text file", result.Error);
        Assert.Contains(Path.Combine(dir.Path, "missing.txt"), result.Error);
    }

    [Fact]
    public async Task Asking_for_cuda_without_it_exits_with_2_and_says_how_to_get_it()
    {
        if (TorchSharp.torch.cuda.is_available())
            return; // on a GPU machine the spec is valid
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression();
        spec["device"] = "cuda";

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("device: \"cuda\" was asked for", result.Error);
        Assert.Contains("-p:TorchBackend=cuda", result.Error);
    }

    [Fact]
    public async Task Command_line_mistakes_exit_with_2()
    {
        var noSpec = await CliRunner.RunAsync("run");
        var unknownOption = await CliRunner.RunAsync("validate", "x.json", "--frobnicate");
        var badOverride = await CliRunner.RunAsync("validate", Path.Combine(TestSpecs.RepositoryRoot, "experiments", "quickstart.json"), "--set", "noequals");

        Assert.Equal(2, noSpec.ExitCode);
        Assert.Equal(2, unknownOption.ExitCode);
        Assert.Equal(2, badOverride.ExitCode);
        Assert.Contains("not of the form path=value", badOverride.Error);
    }

    [Fact]
    public async Task Validate_checks_without_training_and_exits_with_0()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.SyntheticRegression().ToJsonString());

        var result = await CliRunner.RunAsync("validate", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("is valid", result.Output);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs")));
    }

    [Fact]
    public async Task Every_command_takes_verbose_which_an_unexpected_failure_suggests()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.SyntheticRegression().ToJsonString());

        Assert.Equal(0, (await CliRunner.RunAsync("validate", path, "--verbose")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("plugins", "--verbose")).ExitCode);
        Assert.Equal(0, (await CliRunner.RunAsync("inspect", path, "--verbose")).ExitCode);

        var failure = new InvalidOperationException("boom");
        Assert.Contains("run again with --verbose", Forge.Core.Errors.ErrorReport.Describe(failure).Message);
        Assert.Contains(nameof(InvalidOperationException) + ": boom", Forge.Core.Errors.ErrorReport.Describe(failure, verbose: true).Message);
    }

    [Fact]
    public async Task Every_shipped_experiment_is_valid()
    {
        var experiments = Directory.GetFiles(Path.Combine(TestSpecs.RepositoryRoot, "experiments"), "*.json");
        Assert.NotEmpty(experiments);
        foreach (var path in experiments)
        {
            if (Forge.Core.Specs.SpecComposition.Layers(path).Any(l => l.Patch["data"]?["path"]?.GetValue<string>() == RequiresFashionMnistFactAttribute.Folder)
                && new RequiresFashionMnistFactAttribute().Skip is not null)
                continue; // validating composes the dataset, which reads Debian's Fashion-MNIST (.ci/run installs it)
            var result = await CliRunner.RunAsync("validate", path);
            Assert.True(result.ExitCode == 0, $"{path}: {result.Error}");
        }
    }

    [Fact]
    public async Task The_committed_schema_is_the_generated_one_and_every_experiment_references_it()
    {
        var committed = Path.Combine(TestSpecs.RepositoryRoot, "schemas", "forge-spec.schema.json");

        var result = await CliRunner.RunAsync("schema");

        Assert.Equal(0, result.ExitCode);
        Assert.True(File.Exists(committed), "schemas/forge-spec.schema.json is missing: run ./forge schema --output schemas/forge-spec.schema.json");
        Assert.True(File.ReadAllText(committed) == result.Output,
            "schemas/forge-spec.schema.json is out of date: run ./forge schema --output schemas/forge-spec.schema.json");
        foreach (var path in Directory.GetFiles(Path.Combine(TestSpecs.RepositoryRoot, "experiments"), "*.json"))
            Assert.Equal("../schemas/forge-spec.schema.json", JsonNode.Parse(File.ReadAllText(path))!["$schema"]?.GetValue<string>());
    }

    [Fact]
    public void The_schema_describes_plugin_sections_by_name_with_their_fields_and_ranges()
    {
        var schema = SpecSchema.Generate(PluginCatalog.BuiltIn());

        var optimizer = schema["properties"]!["optimizer"]!;
        Assert.Equal(new[] { "adamw", "lion", "muon", "sgd" }, optimizer["properties"]!["name"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        var adamw = optimizer["oneOf"]!.AsArray().Single(c => c!["properties"]!["name"]!["const"]!.GetValue<string>() == "adamw")!;
        Assert.Equal(0.0, adamw["properties"]!["lr"]!["exclusiveMinimum"]!.GetValue<double>());
        Assert.False(adamw["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(new[] { "constant", "linear", "cosine" },
            schema["properties"]!["training"]!["properties"]!["schedule"]!["properties"]!["decay"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task Inspect_prints_what_training_will_use_as_a_table_or_json()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(64).With("parametrization={\"name\":\"mup\",\"baseWidth\":32}", "optimizer.lr=0.02").ToJsonString());

        var table = await CliRunner.RunAsync("inspect", path);
        var json = await CliRunner.RunAsync("inspect", path, "--json", "--set", "model.width=128");

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("blocks.0.attention.query.weight", table.Output);
        Assert.Contains("attention logit scale blocks.0.attention: 0.125", table.Output); // 1 / d_head, d_head = 8
        Assert.Equal(0, json.ExitCode);
        var report = JsonNode.Parse(json.Output)!;
        var rows = report["rows"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>());
        Assert.Equal(0.02 / 4, rows["blocks.1.mlp.up.weight"]!["learningRate"]!.GetValue<double>(), 12); // Adam hidden: lr / m, m = 4
        Assert.Equal(4.0, rows["blocks.1.mlp.up.weight"]!["fanInMultiplier"]!.GetValue<double>());
        Assert.Equal(0.25, rows["readout.weight"]!["forwardMultiplier"]!.GetValue<double>());
        Assert.Equal(0.0, rows["readout.weight"]!["initStd"]!.GetValue<double>());
        Assert.Equal("mup", report["parametrization"]!.GetValue<string>());
    }

    [Fact]
    public async Task Plugins_lists_every_family()
    {
        var result = await CliRunner.RunAsync("plugins");

        Assert.Equal(0, result.ExitCode);
        foreach (var name in new[] { "mlp", "synthetic", "text", "sgd", "adamw", "sp" })
            Assert.Contains($"  {name} ", result.Output);
    }
}
