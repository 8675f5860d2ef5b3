using System.Net;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Telemetry;

/// <summary>
/// The OpenTelemetry meter provider of one run: listens to the <see cref="TrainingMetrics.MeterName"/> meter and
/// exports through the spec's exporters. The run's identity is also the resource (service.name <c>forge</c>,
/// service.instance.id = run id, forge.experiment / forge.sweep / forge.trial), so the OTLP path can promote it.
/// Dispose at the end of the run: pushes a final export and closes the scrape endpoint.
/// </summary>
public sealed class MetricsExport : IDisposable
{
    private readonly MeterProvider? _provider;

    private MetricsExport(MeterProvider? provider, PrometheusEndpoint? prometheus)
    {
        _provider = provider;
        Prometheus = prometheus;
    }

    /// <summary>The scrape endpoint when the prometheus exporter is on (with the actual port when 0 was asked for).</summary>
    public PrometheusEndpoint? Prometheus { get; }

    /// <summary>The scrape URL when the prometheus exporter is on.</summary>
    public string? PrometheusUrl => Prometheus?.Url;

    /// <summary>What Prometheus's file discovery is given for this run.</summary>
    public Uri? Target => Prometheus?.Target;

    /// <summary>Starts the exporters <paramref name="options"/> name; <paramref name="warn"/> hears of an endpoint open to the network.</summary>
    public static MetricsExport Start(MetricsOptions options, RunIdentity identity, Action<string>? warn = null)
    {
        if (options.Exporters.Count == 0)
            return new MetricsExport(null, null);
        var resource = ResourceBuilder.CreateEmpty()
            .AddService("forge", serviceInstanceId: identity.RunId)
            .AddAttributes(identity.Tags.Where(t => t.Key != "run_id").Select(t => new KeyValuePair<string, object>($"forge.{t.Key}", t.Value!)));
        var builder = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(TrainingMetrics.MeterName);
        PrometheusEndpoint? endpoint = null;
        int intervalMs = (int)(options.ExportIntervalSeconds * 1000);
        foreach (var exporter in options.Exporters.Distinct())
        {
            switch (exporter)
            {
                case MetricsExporter.Prometheus:
                    var prometheus = endpoint = PrometheusEndpoint.Resolve(options.Prometheus);
                    if (prometheus.Warning is { } warning)
                        warn?.Invoke(warning);
                    builder.AddPrometheusHttpListener(o =>
                    {
                        o.Host = prometheus.AllInterfaces ? "127.0.0.1" : prometheus.ListenHost;
                        o.Port = prometheus.Port;
                        if (prometheus.AllInterfaces) // the exporter's Host takes a name or address, not "+": its listener is told directly
                            o.ConfigureHttpListener = (_, listener) =>
                            {
                                var prefixes = listener.Prefixes.Select(prefix => prefix.Replace("//127.0.0.1:", "//+:", StringComparison.Ordinal)).ToList();
                                listener.Prefixes.Clear();
                                foreach (var prefix in prefixes)
                                    listener.Prefixes.Add(prefix);
                            };
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
            return new MetricsExport(builder.Build(), endpoint);
        }
        catch (Exception e) when (e is HttpListenerException or InvalidOperationException or UriFormatException)
        {
            var cause = e.InnerException is { } inner ? $"{e.Message}: {inner.Message}" : e.Message;
            var where = endpoint is null ? "" : $" (the Prometheus endpoint {endpoint.ListenHost}:{endpoint.Port} was free to bind a moment before)";
            throw new RunSetupException($"metrics: cannot start the exporters: {cause}{where}. Check metrics.prometheus.host and metrics.prometheus.port (port 0, or --metrics-port 0, picks a free one) or metrics.otlp.endpoint.", e);
        }
    }

    public void Dispose() => _provider?.Dispose();
}
