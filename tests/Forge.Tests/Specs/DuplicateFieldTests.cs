using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Tests.Support;

namespace Forge.Tests.Specs;

/// <summary>A field given twice in one object is a spec problem at its path, never a crash.</summary>
public class DuplicateFieldTests
{
    [Theory]
    [InlineData("{\"seed\": 1, \"seed\": 2}", "seed", 1)]
    [InlineData("{\n  \"model\": { \"name\": \"mlp\",\n    \"name\": \"gpt\" } }", "model.name", 3)]
    [InlineData("{\"callbacks\": [{\"name\": \"ema\"},\n {\"name\": \"ema\", \"decay\": 0.9,\n \"decay\": 0.99}]}", "callbacks[1].decay", 3)]
    [InlineData("{\"a\": [[1, 2], {\"b\": 1, \"b\": 2}]}", "a[1].b", 1)]
    public void The_first_duplicate_is_found_with_its_path_and_line(string json, string path, int line)
    {
        Assert.Equal((path, line), DuplicateFields.First(json));
    }

    [Fact]
    public void Objects_without_duplicates_have_none_even_when_nested_objects_reuse_names()
    {
        Assert.Null(DuplicateFields.First("{\"model\": {\"name\": \"mlp\"}, \"data\": {\"name\": \"text\"}, \"name\": \"x\", \"callbacks\": [{\"name\": 1}, {\"name\": 2}]}"));
    }

    [Fact]
    public async Task A_spec_file_and_an_override_with_a_duplicate_are_refused_at_the_field()
    {
        using var dir = new TempDirectory();
        var loader = new SpecLoader(PluginCatalog.BuiltIn());
        var file = dir.File("dup.json", TestSpecs.SyntheticRegression().ToJsonString().Replace("\"seed\":3", "\"seed\":3,\"seed\":4"));

        var inFile = await Assert.ThrowsAsync<SpecException>(() => loader.LoadAsync(file, Array.Empty<string>()));
        var inOverride = await Assert.ThrowsAsync<SpecException>(() => loader.LoadAsync(dir.File("ok.json", TestSpecs.SyntheticRegression().ToJsonString()),
            new[] { "model={\"name\":\"mlp\",\"width\":8,\"width\":16}" }));

        Assert.Equal("seed", Assert.Single(inFile.Problems).Path);
        Assert.Contains("is given twice in the same object", inFile.Message);
        var problem = Assert.Single(inOverride.Problems);
        Assert.Equal("--set", problem.Path);
        Assert.Contains("'width' is given twice", problem.Message);
    }
}
