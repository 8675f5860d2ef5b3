using System.Text.Json;
using Forge.Core.Files;

namespace Forge.Core.Telemetry;

/// <summary>
/// Tells Prometheus where a running run's scrape endpoint is, through file-based service discovery: while the run
/// trains, <c>&lt;runs&gt;/prometheus-targets/&lt;run&gt;-&lt;pid&gt;.json</c> holds <c>[{"targets": ["host:port"]}]</c>; it is
/// removed when the run ends. deploy/observability/prometheus/prometheus.yml watches that folder, so runs on free
/// ports (port 0, every sweep trial) are scraped without editing any configuration.
/// </summary>
public sealed class PrometheusTargetFile : IDisposable
{
    public const string FolderName = "prometheus-targets";

    private PrometheusTargetFile(string path) => Path = path;

    public string Path { get; }

    /// <summary>Writes the target file atomically (a half-written file would be a discovery error in Prometheus).</summary>
    public static PrometheusTargetFile Write(string runsRoot, RunIdentity identity, Uri scrapeUrl)
    {
        var folder = System.IO.Path.Combine(runsRoot, FolderName);
        Directory.CreateDirectory(folder);
        var name = string.Concat(identity.RunId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        var path = System.IO.Path.Combine(folder, $"{name}-{Environment.ProcessId}.json");
        var json = JsonSerializer.Serialize(new[] { new { targets = new[] { $"{scrapeUrl.Host}:{scrapeUrl.Port}" } } });
        AtomicFile.WriteAllText(path, json + Environment.NewLine);
        return new PrometheusTargetFile(path);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // a stale target only shows as down in Prometheus
        }
    }
}
