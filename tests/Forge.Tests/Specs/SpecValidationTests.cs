using System.Text.Json.Nodes;
using Forge.Plugins.Datasets;
using Forge.Plugins.Models.Mlp;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Tests.Specs;

public class SpecValidationTests
{
    private static readonly SpecLoader Loader = new(PluginCatalog.BuiltIn());

    private static ResolvedSpec Resolve(JsonObject spec, params string[] overrides) =>
        Loader.Resolve(spec, Path.Combine(TestSpecs.RepositoryRoot, "experiments", "test.json"), overrides);

    private static IReadOnlyList<SpecProblem> Problems(JsonObject spec, params string[] overrides) =>
        Assert.Throws<SpecException>(() => Resolve(spec, overrides)).Problems;

    private static SpecProblem Single(JsonObject spec, params string[] overrides) => Assert.Single(Problems(spec, overrides));

    [Fact]
    public void A_valid_spec_binds_every_section_to_its_typed_options()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["training"]!["schedule"] = new JsonObject { ["decay"] = "linear", ["warmupSteps"] = 5, ["minLrRatio"] = 0.2 };

        var resolved = Resolve(spec);

        Assert.Equal("mlp", resolved.Model.Plugin.Name);
        Assert.Equal(32, Assert.IsType<MlpOptions>(resolved.Model.Options).Width);
        Assert.Equal(8, Assert.IsType<SyntheticOptions>(resolved.Data.Options).Features);
        Assert.Equal(0.003, Assert.IsType<AdamWOptions>(resolved.Optimizer.Options).Lr);
        Assert.Equal("sp", resolved.Parametrization.Plugin.Name); // the default
        Assert.Equal(DecayKind.Linear, resolved.Experiment.Training.Schedule.Decay);
        Assert.Equal(0.2, resolved.Experiment.Training.Schedule.MinLrRatio);
        Assert.Equal(1, resolved.Settings.Threads);
    }

    [Fact]
    public void An_unknown_top_level_field_names_the_closest_known_field_and_lists_them()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["sed"] = 4;

        var problem = Single(spec);

        Assert.Equal("sed", problem.Path);
        Assert.Contains("did you mean 'seed'?", problem.Message);
        Assert.Contains("known fields: $schema, callbacks, checkpoint, data, device, distributed, distributedTimeoutSeconds, extends, guard, init, metrics, model", problem.Message);
    }

    [Fact]
    public void An_unknown_plugin_names_the_closest_one_and_lists_the_family()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["optimizer"]!["name"] = "adamm";

        var problem = Single(spec);

        Assert.Equal("optimizer.name", problem.Path);
        Assert.Contains("unknown optimizer plugin 'adamm'", problem.Message);
        Assert.Contains("did you mean 'adamw'?", problem.Message);
        Assert.Contains("known optimizer plugins: adamw, lion, muon, sgd", problem.Message);
    }

    [Fact]
    public void Two_swapped_letters_count_as_one_edit_so_the_hint_is_the_plugin_meant()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["model"]!["name"] = "mpl"; // two edits from both mlp and gpt by insertions and substitutions alone

        var problem = Single(spec);

        Assert.Equal("model.name", problem.Path);
        Assert.Contains("unknown model plugin 'mpl'; did you mean 'mlp'?", problem.Message);
    }

    [Fact]
    public void A_missing_plugin_section_says_what_to_add()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec.Remove("model");

        var problem = Single(spec);

        Assert.Equal("model", problem.Path);
        Assert.Contains("is missing", problem.Message);
        Assert.Contains("mlp", problem.Message);
    }

    [Theory]
    [InlineData(null, "is missing")]
    [InlineData(42, "must be a string")]
    public void A_plugin_section_needs_a_string_name(int? name, string expected)
    {
        var spec = TestSpecs.SyntheticRegression();
        var data = spec["data"]!.AsObject();
        data.Remove("name");
        if (name is not null)
            data["name"] = name;

        var problem = Single(spec);

        Assert.Equal("data.name", problem.Path);
        Assert.Contains(expected, problem.Message);
        Assert.Contains("synthetic, text", problem.Message);
    }

    [Fact]
    public void An_unknown_plugin_field_lists_that_plugins_fields()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["model"]!["widht"] = 64;

        var problem = Single(spec);

        Assert.Equal("model.widht", problem.Path);
        Assert.Contains("did you mean 'width'?", problem.Message);
        Assert.Contains("known fields: activation, bias, depth, width", problem.Message);
    }

    [Fact]
    public void A_plugin_without_options_rejects_any_field()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["parametrization"] = new JsonObject { ["name"] = "sp", ["baseWidth"] = 64 };

        var problem = Single(spec);

        Assert.Equal("parametrization.baseWidth", problem.Path);
        Assert.Contains("unknown field 'baseWidth'", problem.Message);
    }

    [Theory]
    [InlineData("model", "width", "\"wide\"", "expected an integer")]
    [InlineData("optimizer", "lr", "true", "expected a number")]
    [InlineData("model", "bias", "1", "expected true or false")]
    [InlineData("model", "activation", "\"swish\"", "expected one of \"relu\", \"gelu\", \"tanh\", \"silu\"")]
    [InlineData("training", "steps", "2.5", "expected an integer")]
    public void A_value_of_the_wrong_type_says_what_is_allowed(string section, string field, string json, string expected)
    {
        var spec = TestSpecs.SyntheticRegression();
        spec[section]![field] = JsonNode.Parse(json);

        var problem = Single(spec);

        Assert.Equal($"{section}.{field}", problem.Path);
        Assert.Contains(expected, problem.Message);
    }

    [Theory]
    [InlineData("optimizer", "lr", "0", "must be > 0")]
    [InlineData("optimizer", "beta2", "1", "must be >= 0 and < 1")]
    [InlineData("training", "batchSize", "0", "must be >= 1")]
    [InlineData("model", "depth", "-1", "must be >= 0 and <= 1024")]
    [InlineData("data", "features", "0", "must be >= 1")]
    public void A_value_out_of_range_says_the_range(string section, string field, string json, string expected)
    {
        var spec = TestSpecs.SyntheticRegression();
        spec[section]![field] = JsonNode.Parse(json);

        var problem = Single(spec);

        Assert.Equal($"{section}.{field}", problem.Path);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Nested_sections_report_their_full_path()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["training"]!["schedule"] = new JsonObject { ["decay"] = "cosin", ["minLrRatio"] = 2 };

        var problems = Problems(spec);

        Assert.Contains(problems, p => p.Path == "training.schedule.decay" && p.Message.Contains("\"cosine\""));
        Assert.Contains(problems, p => p.Path == "training.schedule.minLrRatio" && p.Message.Contains("<= 1"));
    }

    [Fact]
    public void Cross_field_rules_are_checked()
    {
        var spec = TestSpecs.SyntheticRegression(steps: 10);
        spec["training"]!["schedule"] = new JsonObject { ["warmupSteps"] = 20 };

        var problem = Single(spec);

        Assert.Equal("training.schedule", problem.Path);
        Assert.Contains("warmupSteps (20) is larger than steps (10)", problem.Message);
    }

    [Fact]
    public void Cross_field_rules_of_plugin_options_are_checked()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["optimizer"] = new JsonObject { ["name"] = "sgd", ["lr"] = 0.1, ["nesterov"] = true };

        var problem = Single(spec);

        Assert.Equal("optimizer.nesterov", problem.Path);
        Assert.Contains("needs momentum > 0", problem.Message);
    }

    [Fact]
    public void An_invalid_experiment_name_says_what_a_name_may_contain()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["name"] = "my run/1";

        var problem = Single(spec);

        Assert.Equal("name", problem.Path);
        Assert.Contains("only letters, digits", problem.Message);
    }

    [Fact]
    public void Precision_is_a_plugin_named_by_a_string_or_an_object_and_unknown_policies_are_refused()
    {
        Assert.Equal("fp32", Resolve(TestSpecs.SyntheticRegression()).Precision.Plugin.Name);
        Assert.Equal("bf16", Resolve(TestSpecs.SyntheticRegression().With("precision=bf16")).Precision.Plugin.Name);
        Assert.Equal("fp8", Resolve(TestSpecs.SyntheticRegression().With("precision={\"name\":\"fp8\",\"quantizeGradients\":false}")).Precision.Plugin.Name);

        var unknown = Single(TestSpecs.SyntheticRegression().With("precision=fp4"));
        var wrongType = Single(TestSpecs.SyntheticRegression().With("precision=8"));

        Assert.Equal("precision.name", unknown.Path);
        Assert.Contains("unknown precision plugin 'fp4'; did you mean 'fp8'? known precision plugins: bf16, fp32, fp8", unknown.Message);
        Assert.Equal("precision", wrongType.Path);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var spec = TestSpecs.SyntheticRegression();
        spec["sed"] = 1;
        spec["model"]!["name"] = "mpl";
        spec["data"]!["outputs"] = "four";
        spec["optimizer"]!["lr"] = -1;
        spec["training"]!["batchSize"] = 0;

        var problems = Problems(spec, "foo");

        Assert.Equal(new[] { "--set", "sed", "training.batchSize", "model.name", "data.outputs", "optimizer.lr" }.Order(), problems.Select(p => p.Path).Order());
    }

    [Fact]
    public async Task A_missing_file_an_invalid_json_file_and_a_non_object_are_reported_with_the_file()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "absent.json");
        var broken = dir.File("broken.json", "{\n  \"model\": [1,\n}");
        var array = dir.File("array.json", "[1, 2]");

        var e1 = await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(missing, Array.Empty<string>()));
        var e2 = await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(broken, Array.Empty<string>()));
        var e3 = await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(array, Array.Empty<string>()));

        Assert.Contains("does not exist", e1.Message);
        Assert.Contains(missing, e1.Message);
        Assert.Contains("not valid JSON at line 3", e2.Message);
        Assert.Contains("must be a JSON object", e3.Message);
    }

    [Fact]
    public async Task Comments_and_trailing_commas_are_accepted()
    {
        using var dir = new TempDirectory();
        var text = TestSpecs.SyntheticRegression().ToJsonString().Replace("{\"name\":\"test-synthetic\",", "{ // a comment\n\"name\":\"test-synthetic\",")[..^1] + ",}";
        var path = dir.File("commented.json", text);

        var resolved = await Loader.LoadAsync(path, Array.Empty<string>());

        Assert.Equal("test-synthetic", resolved.Experiment.Name);
    }
}
