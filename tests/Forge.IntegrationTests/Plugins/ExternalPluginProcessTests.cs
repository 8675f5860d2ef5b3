using System.Text.Json.Nodes;
using Forge.Core.Files;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Plugins;

/// <summary>Third-party plugins named in the environment of a real forge process.</summary>
public class ExternalPluginProcessTests
{
    [Fact]
    public async Task Forge_plugins_lists_plugins_from_FORGE_PLUGIN_PATH_with_version_source_and_hash()
    {
        using var forge = ForgeProcess.Start(new Dictionary<string, string> { ["FORGE_PLUGIN_PATH"] = BuiltPlugins.Signum }, "plugins", "--json");
        Assert.Equal(0, await forge.WaitAsync(TimeSpan.FromSeconds(60)));

        var list = JsonNode.Parse(forge.Output[forge.Output.IndexOf('[')..])!.AsArray();
        var signum = list.Single(p => p!["name"]!.GetValue<string>() == "signum")!;
        Assert.Equal("optimizer", signum["family"]!.GetValue<string>());
        Assert.Equal("Forge.Samples.Signum/signum", signum["qualifiedName"]!.GetValue<string>());
        Assert.Equal("1.0.0", signum["version"]!.GetValue<string>());
        Assert.Equal(BuiltPlugins.Signum, signum["source"]!.GetValue<string>());
        Assert.Equal(FileHash.Sha256Of(BuiltPlugins.Signum), signum["sha256"]!.GetValue<string>());
        Assert.NotNull(signum["options"]!["properties"]!["momentum"]);
    }
}
