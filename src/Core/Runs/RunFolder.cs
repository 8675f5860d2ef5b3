using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Files;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Core.Runs;

/// <summary>
/// A run's folder, <c>runs/&lt;name&gt;/&lt;timestamp&gt;/</c>: <c>spec.json</c> (the spec after overrides),
/// <c>metrics.jsonl</c> (one object per logged step), <c>summary.json</c> (written at the end, also on failure) and
/// <c>loss.png</c>/<c>loss.svg</c> (drawn at the end), <c>layers.jsonl</c> (per-layer diagnostics) and <c>checkpoints/</c>.
/// </summary>
public sealed class RunFolder
{
    public const string SpecFile = "spec.json";
    public const string MetricsFile = MetricFiles.Metrics;
    public const string SummaryFile = "summary.json";

    private RunFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>Creates <c>runsRoot/name/[prefix]timestamp/</c> and writes the resolved spec into it.</summary>
    public static async Task<RunFolder> CreateAsync(string runsRoot, ResolvedSpec spec, DateTimeOffset startedAt, CancellationToken cancellationToken = default, string prefix = "")
    {
        var parent = System.IO.Path.Combine(runsRoot, spec.Experiment.Name);
        var stamp = prefix + startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var path = System.IO.Path.Combine(parent, stamp);
        for (int n = 2; Directory.Exists(path); n++)
            path = System.IO.Path.Combine(parent, $"{stamp}-{n}");
        return await CreateAtAsync(path, spec, cancellationToken);
    }

    /// <summary>Uses exactly <paramref name="path"/> (a sweep's trial folder) and writes the resolved spec into it.</summary>
    public static async Task<RunFolder> CreateAtAsync(string path, ResolvedSpec spec, CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(path);
            var folder = new RunFolder(System.IO.Path.GetFullPath(path));
            await folder.WriteJsonAsync(SpecFile, spec.Document, cancellationToken);
            return folder;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunSetupException($"cannot create the run folder {System.IO.Path.GetFullPath(path)} ({e.Message}). Choose a writable folder with --runs DIR, or free some disk space.", e);
        }
    }

    /// <summary>An existing run folder, continued by a resumed run.</summary>
    public static RunFolder Open(string path) => new(System.IO.Path.GetFullPath(path));

    /// <summary>Drops the lines of metrics.jsonl and layers.jsonl after update <paramref name="step"/> (all of them for 0).</summary>
    public void TruncateRecords(int step)
    {
        foreach (var file in new[] { MetricsFile, MetricFiles.Layers })
        {
            var path = System.IO.Path.Combine(Path, file);
            if (!File.Exists(path))
                continue;
            var kept = step == 0 ? new List<string>() : File.ReadAllLines(path).Where(line => StepOf(line) is { } s && s <= step).ToList();
            AtomicFile.WriteAllText(path, string.Concat(kept.Select(line => line + Environment.NewLine)));
        }
    }

    private static int? StepOf(string line)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            return json.RootElement.TryGetProperty("step", out var step) && step.TryGetInt32(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null; // a line cut short by a kill
        }
    }

    public Task WriteSummaryAsync(RunSummary summary, CancellationToken cancellationToken = default) =>
        WriteJsonAsync(SummaryFile, JsonSerializer.SerializeToNode(summary, SpecJson.OutputOptions)!, cancellationToken);

    private Task WriteJsonAsync(string file, JsonNode json, CancellationToken cancellationToken) =>
        AtomicFile.WriteAllTextAsync(System.IO.Path.Combine(Path, file), json.ToJsonString(SpecJson.OutputOptions) + Environment.NewLine, cancellationToken);
}
