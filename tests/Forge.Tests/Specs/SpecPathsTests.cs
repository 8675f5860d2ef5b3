using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Tests.Support;

namespace Forge.Tests.Specs;

/// <summary>A spec written into another folder keeps pointing at the same files (forge upscale --output, forge transfer --output).</summary>
public class SpecPathsTests
{
    [Fact]
    public void Every_relative_path_is_rewritten_from_the_new_folder_and_absolute_ones_are_kept()
    {
        using var dir = new TempDirectory();
        dir.File("data/tiny.txt", File.ReadAllText(TestSpecs.ShakespearePath)[..5_000]);
        var spec = TestSpecs.Text().With("data.path=../data/tiny.txt", "init={\"from\":\"../runs/x/checkpoints/step-00000010\"}");
        spec["plugins"] = new JsonArray("../plugins/A.dll", new JsonObject { ["path"] = "/opt/forge/B.dll" }, new JsonObject { ["path"] = "C" });
        var specPath = Path.Combine(dir.Path, "specs", "s.json");
        var document = spec.DeepClone().AsObject();
        document.Remove("plugins"); document.Remove("init"); // resolving needs neither to exist; the rewrite reads them from the document
        var resolved = new SpecLoader(PluginCatalog.BuiltIn()).Resolve(document, specPath, Array.Empty<string>());

        var moved = SpecPaths.Rebase(spec, resolved, Path.Combine(dir.Path, "a", "b"));

        Assert.Equal("../../data/tiny.txt", moved["data"]!["path"]!.GetValue<string>());
        Assert.Equal("../../runs/x/checkpoints/step-00000010", moved["init"]!["from"]!.GetValue<string>());
        Assert.Equal("../../plugins/A.dll", moved["plugins"]![0]!.GetValue<string>());
        Assert.Equal("/opt/forge/B.dll", moved["plugins"]![1]!["path"]!.GetValue<string>());
        Assert.Equal("../../specs/C", moved["plugins"]![2]!["path"]!.GetValue<string>());
        Assert.Equal("../data/tiny.txt", spec["data"]!["path"]!.GetValue<string>()); // the original is left as it was
        Assert.True(JsonNode.DeepEquals(spec, SpecPaths.Rebase(spec, resolved, Path.Combine(dir.Path, "specs")))); // the same folder: nothing moves
    }
}
