using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Tests.Support;

namespace Forge.Tests.Specs;

/// <summary><c>"extends"</c>: a spec merged over its base as a JSON merge patch (RFC 7396), chains, and the errors of a bad chain.</summary>
public class SpecExtendsTests
{
    private static readonly SpecLoader Loader = new(PluginCatalog.BuiltIn());

    [Theory] // RFC 7396, appendix A
    [InlineData("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}")]
    [InlineData("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}")]
    [InlineData("{\"a\":\"b\"}", "{\"a\":null}", "{}")]
    [InlineData("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}")]
    [InlineData("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}")]
    [InlineData("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}")]
    [InlineData("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}")]
    [InlineData("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}")]
    [InlineData("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}")]
    [InlineData("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}")]
    public void Merge_follows_rfc_7396(string target, string patch, string expected)
    {
        var document = JsonNode.Parse(target)!.AsObject();

        SpecComposition.Merge(document, JsonNode.Parse(patch)!.AsObject());

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), document), document.ToJsonString());
    }

    [Fact]
    public async Task A_chain_of_specs_expands_base_first_with_each_file_merged_over_the_one_it_extends()
    {
        using var dir = new TempDirectory();
        var root = TestSpecs.Gpt(32, 40);
        root["data"]!["path"] = TestSpecs.ShakespearePath;
        dir.File("base/root.json", root.ToJsonString());
        dir.File("base/middle.json", "{ \"extends\": \"root.json\", \"model\": { \"width\": 48 }, \"training\": { \"steps\": 30 } }");
        var leaf = dir.File("leaf.json", "{ \"extends\": \"base/middle.json\", \"name\": \"leaf\", \"training\": { \"steps\": 20, \"logInterval\": null } }");

        var spec = await Loader.LoadAsync(leaf, Array.Empty<string>());

        var expected = root.DeepClone().AsObject();
        expected["name"] = "leaf";
        expected["model"]!["width"] = 48;
        expected["training"]!["steps"] = 20;
        expected["training"]!.AsObject().Remove("logInterval");
        Assert.True(JsonNode.DeepEquals(expected, spec.Document), spec.Document.ToJsonString());
        Assert.Equal(48, spec.Document["model"]!["width"]!.GetValue<int>());
        Assert.Null(spec.Document["extends"]);
    }

    [Fact]
    public void Explain_names_the_file_of_the_chain_or_the_override_that_gave_each_field()
    {
        using var dir = new TempDirectory();
        var basePath = dir.File("base.json", "{ \"name\": \"b\", \"model\": { \"name\": \"gpt\", \"width\": 32 }, \"seed\": 1 }");
        var leaf = dir.File("leaf.json", "{ \"extends\": \"base.json\", \"model\": { \"width\": 64 } }");
        var layers = SpecComposition.Layers(leaf);
        var (expanded, _) = SpecComposition.Expand(JsonNode.Parse(File.ReadAllText(leaf))!.AsObject(), leaf);

        var origins = SpecComposition.Origins(expanded, layers, new[] { "seed" }).ToDictionary(o => o.Field, o => o.File);

        Assert.Equal(Path.GetFullPath(basePath), origins["name"]);
        Assert.Equal(Path.GetFullPath(basePath), origins["model.name"]);
        Assert.Equal(Path.GetFullPath(leaf), origins["model.width"]);
        Assert.Equal("--set", origins["seed"]);
        Assert.Equal(4, origins.Count);
    }

    [Fact]
    public async Task A_cycle_is_refused_with_the_chain_named()
    {
        using var dir = new TempDirectory();
        dir.File("a.json", "{ \"extends\": \"b.json\", \"seed\": 1 }");
        dir.File("b.json", "{ \"extends\": \"c.json\" }");
        dir.File("c.json", "{ \"extends\": \"b.json\" }");

        var e = await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(Path.Combine(dir.Path, "a.json"), Array.Empty<string>()));

        var problem = Assert.Single(e.Problems);
        Assert.Equal("extends", problem.Path);
        Assert.Contains($"{Path.Combine(dir.Path, "b.json")} → {Path.Combine(dir.Path, "c.json")} → {Path.Combine(dir.Path, "b.json")}", problem.Message);
        var self = dir.File("self.json", "{ \"extends\": \"self.json\" }");
        Assert.Contains("comes back", (await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(self, Array.Empty<string>()))).Problems.Single().Message);
    }

    [Theory]
    [InlineData("{ \"extends\": \"missing.json\" }", "does not exist (looked for")]
    [InlineData("{ \"extends\": \"broken.json\" }", "is not valid JSON at line 1")]
    [InlineData("{ \"extends\": \"list.json\" }", "is not a JSON object")]
    [InlineData("{ \"extends\": 3 }", "must be the path of the spec this one extends")]
    [InlineData("{ \"extends\": \"\" }", "must be the path of the spec this one extends")]
    public async Task A_bad_base_is_a_spec_error_naming_extends_and_the_file(string leaf, string expected)
    {
        using var dir = new TempDirectory();
        dir.File("broken.json", "{ \"model\": ");
        dir.File("list.json", "[1, 2]");
        var path = dir.File("leaf.json", leaf);

        var e = await Assert.ThrowsAsync<SpecException>(() => Loader.LoadAsync(path, Array.Empty<string>()));

        var problem = Assert.Single(e.Problems);
        Assert.Equal("extends", problem.Path);
        Assert.Contains(expected, problem.Message);
        Assert.Contains(Path.GetFullPath(path), e.Message);
    }
}
