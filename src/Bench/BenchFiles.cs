using System.Globalization;
using System.Text.Json;
using Forge.Core.Specs;

namespace Forge.Bench;

/// <summary>Where every bench report goes: <c>PREFIX&lt;time&gt;[-smoke].json</c> (the report) and <c>.md</c> (its tables) in one folder.</summary>
public static class BenchFiles
{
    /// <summary>Writes <paramref name="report"/> and <paramref name="markdown"/>; returns both paths.</summary>
    public static (string Json, string Markdown) Write<T>(T report, string folder, string prefix, DateTimeOffset when, bool quick, string markdown)
    {
        Directory.CreateDirectory(folder);
        var stem = Path.Combine(folder, prefix + when.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + (quick ? "-smoke" : ""));
        File.WriteAllText(stem + ".json", JsonSerializer.Serialize(report, SpecJson.OutputOptions) + Environment.NewLine);
        File.WriteAllText(stem + ".md", markdown);
        return (stem + ".json", stem + ".md");
    }
}
