using Forge.Core.Specs;

namespace Forge.Cli;

/// <summary>Reads the values of <c>forge run</c>'s run-setting flags.</summary>
internal static class RunFlagParsing
{
    /// <summary>The exporters of <c>--metrics a,b</c>, or the problem with them (naming the flag and the spec field it stands for).</summary>
    public static (IReadOnlyList<MetricsExporter>? Exporters, string? Error) Exporters(string text)
    {
        var exporters = new List<MetricsExporter>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = Enum.GetValues<MetricsExporter>().FirstOrDefault(e => SpecJson.EnumName(e) == name, (MetricsExporter)(-1));
            if ((int)match < 0)
                return (null, $"--metrics: '{name}' is not an exporter; known exporters (the spec's metrics.exporters): {string.Join(", ", Enum.GetValues<MetricsExporter>().Select(e => SpecJson.EnumName(e)))}.");
            exporters.Add(match);
        }
        return (exporters, null);
    }
}
