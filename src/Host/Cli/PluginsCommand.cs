using Forge.Host.Plugins;

namespace Forge.Host.Cli;

/// <summary><c>forge plugins</c>: every plugin by family, with its description and the file it comes from.</summary>
internal sealed class PluginsCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var catalog = LoadCatalog();
            foreach (var family in PluginFamily.All)
            {
                await Output.WriteLineAsync($"{family.Noun} plugins (spec section \"{family.Section}\"):");
                foreach (var plugin in catalog.Family(family))
                    await Output.WriteLineAsync($"  {plugin.Name,-16} {plugin.Description}  [{Path.GetFileName(plugin.Source)}]");
            }
            return ExitCodes.Success;
        });
}
