using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge plugins [--plugins PATH]... [--json]</c>: every available plugin (built in, and third-party ones named by
/// <c>--plugins</c> or <c>FORGE_PLUGIN_PATH</c>) by family, with its description, version, source file, SHA-256 and
/// options; <c>--json</c> gives each options type's full JSON Schema.
/// </summary>
internal sealed class PluginsCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(bool json, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var problems = new List<SpecProblem>();
            var catalog = LoadCatalog().With(ExternalPlugins.Load(PluginSearchPath.References(), problems));
            if (problems.Count > 0)
                throw new SpecException("--plugins / FORGE_PLUGIN_PATH", problems);
            if (json)
            {
                var list = new JsonArray(catalog.All.Select(p => (JsonNode)new JsonObject
                {
                    ["family"] = p.Family.Section,
                    ["name"] = p.Name,
                    ["qualifiedName"] = $"{p.AssemblyName}/{p.Name}",
                    ["description"] = p.Description,
                    ["version"] = p.Version,
                    ["source"] = p.Source,
                    ["sha256"] = p.Sha256,
                    ["options"] = p.OptionsType is null ? null : SpecSchema.OptionsSchema(p.OptionsType),
                }).ToArray());
                await Output.WriteLineAsync(list.ToJsonString(SpecJson.OutputOptions));
                return ExitCodes.Success;
            }
            foreach (var family in PluginFamily.All)
            {
                await Output.WriteLineAsync($"{family.Noun} plugins (spec section \"{family.Section}\"):");
                foreach (var plugin in catalog.Family(family))
                {
                    await Output.WriteLineAsync($"  {plugin.Name,-16} {plugin.Description}");
                    await Output.WriteLineAsync($"  {"",-16} {plugin.AssemblyName} {plugin.Version}, {plugin.Source}, sha256 {plugin.Sha256[..16]}…");
                    if (plugin.OptionsType is not null)
                        await Output.WriteLineAsync($"  {"",-16} options: {string.Join(", ", OptionNames(plugin.OptionsType))}");
                }
            }
            return ExitCodes.Success;
        });

    private static IEnumerable<string> OptionNames(Type optionsType) =>
        (SpecSchema.OptionsSchema(optionsType)["properties"] as JsonObject)?.Select(p => p.Key) ?? Enumerable.Empty<string>();
}
