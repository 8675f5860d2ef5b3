using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Tests.Support;

namespace Forge.Tests.Telemetry;

/// <summary>
/// One real training run with the Prometheus exporter on a free port (fp8 precision so the rounding counters exist,
/// classification so the accuracy gauges do, per-layer diagnostics every 20 steps), scraped over HTTP through the address it announced in
/// runs/prometheus-targets until every kind of series has appeared, then stopped as Ctrl-C would.
/// </summary>
public sealed class ScrapedRun : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();

    /// <summary>Series names that must all be in the scrape before it is kept.</summary>
    public static readonly string[] Expected =
    {
        "forge_train_loss", "forge_eval_loss", "forge_learning_rate", "forge_group_learning_rate", "forge_gradient_norm",
        "forge_throughput_per_second", "forge_parameters", "forge_tokens_total", "forge_samples_total", "forge_divergences_total",
        "forge_step_duration_seconds_bucket", "forge_rounding_saturated_total", "forge_rounding_underflowed_total",
        "forge_layer_activation_rms", "forge_layer_weight_rms", "forge_layer_gradient_rms", "forge_layer_update_ratio",
        "forge_layer_update_spectral_ratio", "forge_train_accuracy", "forge_eval_accuracy",
    };

    public string Scrape { get; private set; } = "";
    public string TargetFile { get; private set; } = "";
    public CliRunner.Result Result { get; private set; } = new(-1, "", "");
    public string RunsRoot => Path.Combine(_dir.Path, "runs");
    public string Folder => CliRunner.RunFolder(_dir);

    /// <summary>The metric names (without labels) in the scrape.</summary>
    public IReadOnlySet<string> MetricNames =>
        Regex.Matches(Scrape, @"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();

    /// <summary>Every sample of <paramref name="metric"/>: its labels and value.</summary>
    public IReadOnlyList<(Dictionary<string, string> Labels, double Value)> Samples(string metric) =>
        Regex.Matches(Scrape, $@"^{Regex.Escape(metric)}\{{([^}}]*)\}} (\S+)", RegexOptions.Multiline)
            .Select(m => (Regex.Matches(m.Groups[1].Value, "([a-zA-Z_]+)=\"([^\"]*)\"").ToDictionary(l => l.Groups[1].Value, l => l.Groups[2].Value),
                double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();

    public async Task InitializeAsync()
    {
        var spec = TestSpecs.SyntheticRegression(steps: 1_000_000)
            .With("data.task=\"classification\"", "training.logInterval=10", "training.evalInterval=1000", "precision=fp8", "metrics.layers.interval=20");
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => CliRunner.RunSpecAsync(_dir, spec, stop.Token, "--metrics", "prometheus", "--metrics-port", "0"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!run.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            var targets = Path.Combine(RunsRoot, "prometheus-targets");
            var file = Directory.Exists(targets) ? Directory.GetFiles(targets, "*.json").FirstOrDefault() : null;
            if (file is null)
                continue;
            try
            {
                TargetFile = await File.ReadAllTextAsync(file);
                var address = JsonNode.Parse(TargetFile)![0]!["targets"]![0]!.GetValue<string>();
                var body = await http.GetStringAsync($"http://{address}/metrics");
                Scrape = body;
                if (Expected.All(name => body.Contains(name + "{", StringComparison.Ordinal)))
                    break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
            {
                // not listening yet, or the file is being replaced
            }
        }
        await stop.CancelAsync();
        Result = await run;
    }

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class ScrapedRunCollection : ICollectionFixture<ScrapedRun>
{
    public const string Name = "scraped run";
}
