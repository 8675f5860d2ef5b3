namespace Forge.Core.Errors;

/// <summary>The plugins found cannot form a catalog (duplicate names, a marked class with no contract).</summary>
public sealed class PluginCatalogException(IReadOnlyList<string> problems)
    : Exception("Plugin discovery failed:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}")))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
