using System.IO.Compression;
using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Plugins;

/// <summary>
/// What a plugin author outside the repository does: pack Forge.Abstractions, dotnet new forge-plugin, build, run
/// the template's tests, and point a spec at the DLL — without touching Forge's source.
/// </summary>
public class PluginTemplateTests
{
    /// <summary>Packs Forge.Abstractions from a copy of its sources (so the repository's build outputs are untouched).</summary>
    private static async Task<string> PackAbstractionsAsync(string root, string version)
    {
        var copy = Path.Combine(root, "iso");
        foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
        {
            Directory.CreateDirectory(copy);
            File.Copy(Path.Combine(TestSpecs.RepositoryRoot, file), Path.Combine(copy, file));
        }
        var source = Path.Combine(TestSpecs.RepositoryRoot, "src", "Abstractions");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
        {
            var target = Path.Combine(copy, "src", "Abstractions", Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var feed = Path.Combine(root, "feed");
        var (code, output) = await DotnetCli.RunAsync(copy, "pack", "src/Abstractions", "-c", "Release", "-o", feed, $"-p:Version={version}");
        Assert.True(code == 0, output);
        return feed;
    }

    [Fact]
    public async Task Forge_Abstractions_packs_with_its_docs_readme_and_only_TorchSharp_from_outside()
    {
        using var dir = new TempDirectory();
        var feed = await PackAbstractionsAsync(dir.Path, "1.0.0");

        using var package = ZipFile.OpenRead(Path.Combine(feed, "Forge.Abstractions.1.0.0.nupkg"));
        var entries = package.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("lib/net10.0/Forge.Abstractions.dll", entries);
        Assert.Contains("lib/net10.0/Forge.Abstractions.xml", entries); // XML docs for IntelliSense
        Assert.Contains("README.md", entries);
        using var nuspec = new StreamReader(package.GetEntry("Forge.Abstractions.nuspec")!.Open());
        var text = await nuspec.ReadToEndAsync();
        Assert.Contains("<dependency id=\"TorchSharp\" version=\"0.107.0\"", text);
        Assert.DoesNotContain("Forge.Host", text);
        Assert.DoesNotContain("libtorch", text);
    }

    [Fact]
    public async Task A_plugin_made_from_the_template_builds_passes_its_tests_and_runs_in_forge()
    {
        using var dir = new TempDirectory();
        var version = $"1.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmssfff}"; // never a stale copy in the NuGet cache
        var feed = await PackAbstractionsAsync(dir.Path, version);
        var hive = Path.Combine(dir.Path, "hive");
        var template = Path.Combine(TestSpecs.RepositoryRoot, "templates", "forge-plugin");

        var install = await DotnetCli.RunAsync(dir.Path, "new", "install", template, "--debug:custom-hive", hive);
        Assert.True(install.ExitCode == 0, install.Output);
        var created = await DotnetCli.RunAsync(dir.Path, "new", "forge-plugin", "-n", "HalfRule", "-o", "HalfRule", "--pluginName", "half-rule",
            "--abstractionsVersion", version, "--debug:custom-hive", hive);
        Assert.True(created.ExitCode == 0, created.Output);
        var project = Path.Combine(dir.Path, "HalfRule");
        File.WriteAllText(Path.Combine(project, "nuget.config"),
            $"<?xml version=\"1.0\" encoding=\"utf-8\"?><configuration><packageSources><add key=\"forge-local\" value=\"{feed}\" /></packageSources></configuration>");

        var build = await DotnetCli.RunAsync(project, "build", "HalfRule/HalfRule.csproj");
        var tests = await DotnetCli.RunAsync(project, "test", "HalfRule.Tests");

        Assert.True(build.ExitCode == 0, build.Output);
        var output = Path.Combine(project, "HalfRule", "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "HalfRule.deps.json")));
        Assert.False(File.Exists(Path.Combine(output, "TorchSharp.dll")), "the plugin folder must not carry TorchSharp");
        Assert.False(File.Exists(Path.Combine(output, "Forge.Abstractions.dll")), "the plugin folder must not carry Forge.Abstractions");
        Assert.True(tests.ExitCode == 0, tests.Output);
        Assert.Contains("Passed!", tests.Output);

        var spec = TestSpecs.Gpt(32, steps: 10).With("parametrization={\"name\":\"half-rule\",\"baseWidth\":16}");
        spec["plugins"] = new JsonArray(Path.Combine(output, "HalfRule.dll"));
        var run = await CliRunner.RunSpecAsync(dir, spec);
        var inspect = await CliRunner.RunAsync("inspect", dir.File("spec.json", spec.ToJsonString()), "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(inspect.ExitCode == 0, inspect.Error);
        var query = JsonNode.Parse(inspect.Output)!["rows"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "blocks.0.attention.query.weight")!;
        Assert.Equal(0.01 * 16 / 32, query["learningRate"]!.GetValue<double>(), 12); // the template's rule: lr x baseWidth / width
    }
}
