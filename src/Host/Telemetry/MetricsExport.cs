using System.Net;
using Forge.Host.Specs;
using Forge.Host.Training;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Forge.Host.Telemetry;

/// <summary>
/// The OpenTelemetry meter provider of one run: listens to the <see cref="TrainingMetrics.MeterName"/> meter and
/// exports through the spec's exporters. The run's identity is also the resource (service.name <c>forge</c>,
/// service.instance.id = run id, forge.experiment / forge.sweep / forge.trial), so the OTLP path can promote it.
/// Dispose at the end of the run: pushes a final export and closes the scrape endpoint.
/// </summary>
internal sealed class MetricsExport : IDisposable
{
    private readonly MeterProvider? _provider;

    private MetricsExport(MeterProvider? provider, string? prometheusUrl)
    {
        _provider = provider;
        PrometheusUrl = prometheusUrl;
    }

    /// <summary>The scrape URL when the prometheus exporter is on (with the actual port when 0 was asked for).</summary>
    public string? PrometheusUrl { get; }

    public static MetricsExport Start(MetricsOptions options, RunIdentity identity)
    {
        if (options.Exporters.Count == 0)
            return new MetricsExport(null, null);
        var resource = ResourceBuilder.CreateEmpty()
            .AddService("forge", serviceInstanceId: identity.RunId)
            .AddAttributes(identity.Tags.Where(t => t.Key != "run_id").Select(t => new KeyValuePair<string, object>($"forge.{t.Key}", t.Value!)));
        var builder = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(TrainingMetrics.MeterName);
        string? url = null;
        int intervalMs = (int)(options.ExportIntervalSeconds * 1000);
        foreach (var exporter in options.Exporters.Distinct())
        {
            switch (exporter)
            {
                case MetricsExporter.Prometheus:
                    int port = options.Prometheus.Port == 0 ? FreePort.On(options.Prometheus.Host) : options.Prometheus.Port;
                    url = $"http://{options.Prometheus.Host}:{port}/metrics";
                    builder.AddPrometheusHttpListener(o =>
                    {
                        o.Host = options.Prometheus.Host;
                        o.Port = port;
                        o.ScrapeResponseCacheDurationMilliseconds = 0; // every scrape sees the latest values
                    });
                    break;
                case MetricsExporter.Otlp:
                    builder.AddOtlpExporter((o, reader) =>
                    {
                        o.Endpoint = new Uri(options.Otlp.Endpoint);
                        o.Protocol = options.Otlp.Protocol == OtlpProtocol.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs;
                    });
                    break;
                case MetricsExporter.Console:
                    builder.AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = intervalMs);
                    break;
            }
        }
        try
        {
            return new MetricsExport(builder.Build(), url);
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException or UriFormatException)
        {
            var where = url is null ? "" : $" Is another run already serving {url}?";
            throw new RunSetupException($"metrics: cannot start the exporters ({e.Message}).{where} Check metrics.prometheus.host and metrics.prometheus.port (use port 0, or --metrics-port 0, to pick a free one) or metrics.otlp.endpoint.", e);
        }
    }

    public void Dispose() => _provider?.Dispose();
}
