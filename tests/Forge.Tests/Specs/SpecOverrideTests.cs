using System.Text.Json.Nodes;
using Forge.Plugins.Models.Mlp;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Tests.Specs;

public class SpecOverrideTests
{
    [Theory]
    [InlineData("optimizer.lr=0.01", "optimizer.lr", "0.01")]
    [InlineData("model.bias=false", "model.bias", "false")]
    [InlineData("model.activation=gelu", "model.activation", "\"gelu\"")]
    [InlineData("name=\"quoted\"", "name", "\"quoted\"")]
    [InlineData("data.path=a=b.txt", "data.path", "\"a=b.txt\"")]
    [InlineData("training.schedule={\"decay\":\"linear\"}", "training.schedule", "{\"decay\":\"linear\"}")]
    public void Values_are_read_as_JSON_when_they_parse_and_as_strings_otherwise(string text, string path, string json)
    {
        var parsed = SpecOverride.Parse(text);

        Assert.Equal(path, parsed.Path);
        Assert.Equal(json, parsed.Value?.ToJsonString());
    }

    [Fact]
    public void Applying_creates_missing_objects_along_the_path()
    {
        var document = new JsonObject();

        SpecOverride.Parse("training.schedule.warmupSteps=10").ApplyTo(document);

        Assert.Equal(10, document["training"]!["schedule"]!["warmupSteps"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("optimizer.lr", "not of the form path=value")]
    [InlineData("=3", "not of the form path=value")]
    [InlineData("model..width=3", "has an empty part")]
    public void Malformed_overrides_say_what_the_form_is(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SpecOverride.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_path_through_a_value_that_is_not_an_object_is_refused()
    {
        var document = new JsonObject { ["seed"] = 3 };

        var e = Assert.Throws<FormatException>(() => SpecOverride.Parse("seed.low=1").ApplyTo(document));

        Assert.Contains("'seed' is 3, not an object", e.Message);
    }

    [Fact]
    public void Overrides_change_the_bound_options_and_are_recorded_in_order()
    {
        var loader = new SpecLoader(PluginCatalog.BuiltIn());

        var resolved = loader.Resolve(TestSpecs.SyntheticRegression(), "/tmp/spec.json", new[] { "optimizer.lr=0.01", "model.width=256" });

        Assert.Equal(0.01, Assert.IsType<AdamWOptions>(resolved.Optimizer.Options).Lr);
        Assert.Equal(256, Assert.IsType<MlpOptions>(resolved.Model.Options).Width);
        Assert.Equal(256, resolved.Document["model"]!["width"]!.GetValue<int>());
        Assert.Equal(new[] { "optimizer.lr=0.01", "model.width=256" }, resolved.Overrides);
    }

    [Fact]
    public void An_override_that_breaks_the_spec_is_reported_at_its_path()
    {
        var loader = new SpecLoader(PluginCatalog.BuiltIn());

        var e = Assert.Throws<SpecException>(() => loader.Resolve(TestSpecs.SyntheticRegression(), "/tmp/spec.json", new[] { "optimizer.lr=-2" }));

        Assert.Equal("optimizer.lr", Assert.Single(e.Problems).Path);
    }
}
