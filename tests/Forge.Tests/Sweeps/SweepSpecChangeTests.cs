using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Sweeps;
using Forge.Tests.Support;

namespace Forge.Tests.Sweeps;

/// <summary><c>forge sweep resume</c> refuses a spec that changed since the sweep began, in the spec file or in any file it extends.</summary>
public class SweepSpecChangeTests
{
    private static readonly SpecLoader Loader = new(PluginCatalog.BuiltIn());

    [Fact]
    public async Task Resume_refuses_an_edited_base_of_the_extends_chain_and_accepts_it_restored()
    {
        using var dir = new TempDirectory();
        var root = TestSpecs.Gpt(32, 10).With("checkpoint=\"none\"");
        root["data"]!["path"] = TestSpecs.ShakespearePath;
        var rootText = root.ToJsonString();
        var basePath = dir.File("base.json", rootText);
        var leaf = dir.File("leaf.json", "{ \"extends\": \"base.json\", \"sweep\": { \"parameters\": { \"optimizer.lr\": { \"values\": [0.001, 0.002] } } } }");
        var sweep = await Sweep.CreateAsync(Loader, leaf, Array.Empty<string>(), Path.Combine(dir.Path, "runs"), launcher: null, CancellationToken.None);

        await Sweep.OpenAsync(Loader, sweep.Folder, launcher: null, requireUnchangedSpec: true, CancellationToken.None);
        File.WriteAllText(basePath, root.With("seed=7").ToJsonString());
        var e = await Assert.ThrowsAsync<SpecException>(() => Sweep.OpenAsync(Loader, sweep.Folder, launcher: null, requireUnchangedSpec: true, CancellationToken.None));
        File.Delete(basePath);
        var missing = await Assert.ThrowsAsync<SpecException>(() => Sweep.OpenAsync(Loader, sweep.Folder, launcher: null, requireUnchangedSpec: true, CancellationToken.None));
        File.WriteAllText(basePath, rootText);
        var restored = await Sweep.OpenAsync(Loader, sweep.Folder, launcher: null, requireUnchangedSpec: true, CancellationToken.None);

        Assert.Equal(SweepState.FileName, Assert.Single(e.Problems).Path);
        Assert.Contains("or a spec it extends is missing or has changed", e.Problems[0].Message);
        Assert.Equal(SweepState.FileName, Assert.Single(missing.Problems).Path);
        Assert.Equal(2, restored.State.Trials.Count);
    }

    [Fact]
    public void A_spec_without_extends_hashes_as_its_file_and_a_chain_hashes_every_file()
    {
        using var dir = new TempDirectory();
        var basePath = dir.File("base.json", "{ \"seed\": 1 }");
        var leaf = dir.File("leaf.json", "{ \"extends\": \"base.json\" }");
        var before = SpecComposition.Sha256(leaf);

        File.WriteAllText(basePath, "{ \"seed\": 2 }");

        Assert.Equal(Forge.Core.Files.FileHash.Sha256Of(basePath), SpecComposition.Sha256(basePath));
        Assert.NotEqual(before, SpecComposition.Sha256(leaf));
    }
}
