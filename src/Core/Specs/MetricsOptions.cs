using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

/// <summary>Where a run's OpenTelemetry metrics go, besides metrics.jsonl (always written).</summary>
public enum MetricsExporter
{
    /// <summary>An HTTP scrape endpoint for Prometheus (<c>/metrics</c>).</summary>
    Prometheus,
    /// <summary>Push over OTLP to a collector (or Prometheus's OTLP receiver).</summary>
    Otlp,
    /// <summary>Print the metrics to standard output periodically.</summary>
    Console,
}

/// <summary>OTLP transport.</summary>
public enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,
}

/// <summary>The spec's <c>metrics</c> section.</summary>
public sealed class MetricsOptions
{
    [Description("Exporters besides metrics.jsonl: prometheus, otlp, console (none by default; forge run --metrics overrides).")]
    public List<MetricsExporter> Exporters { get; set; } = new();

    [Description("Prometheus scrape endpoint.")]
    public PrometheusOptions Prometheus { get; set; } = new();

    [Description("OTLP push exporter.")]
    public OtlpOptions Otlp { get; set; } = new();

    [Description("Per-layer diagnostics (activation, weight, gradient and update RMS, spectral ratio of updates).")]
    public LayerDiagnosticsOptions Layers { get; set; } = new();

    [Description("Seconds between pushes of the otlp and console exporters.")]
    [Range(0.1, 3600)]
    public double ExportIntervalSeconds { get; set; } = 5;
}

/// <summary>Where the Prometheus endpoint listens.</summary>
public sealed class PrometheusOptions
{
    [Description("Address to bind; 127.0.0.1 by default so the endpoint is not exposed beyond this machine.")]
    public string Host { get; set; } = "127.0.0.1";

    [Description("Port; 0 picks a free port and prints it.")]
    [Range(0, 65535)]
    public int Port { get; set; } = 9464;
}

/// <summary>Where the OTLP exporter pushes.</summary>
public sealed class OtlpOptions
{
    [Description("Collector endpoint, e.g. http://localhost:4317 (grpc) or http://localhost:4318/v1/metrics (httpProtobuf).")]
    public string Endpoint { get; set; } = "http://localhost:4317";

    [Description("grpc or httpProtobuf.")]
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.Grpc;
}
