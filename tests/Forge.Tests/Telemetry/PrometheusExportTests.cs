using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Tests.Support;

namespace Forge.Tests.Telemetry;

/// <summary>A real run with the Prometheus exporter, scraped over HTTP while it trains.</summary>
public class PrometheusExportTests
{
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The value of the first sample of <paramref name="metric"/> in a scrape, or null.</summary>
    private static double? Sample(string scrape, string metric)
    {
        var match = Regex.Match(scrape, $@"^{Regex.Escape(metric)}\{{[^}}]*\}} (\S+)", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [Fact]
    public async Task A_training_run_exposes_its_series_with_the_run_label_and_values_from_metrics_jsonl()
    {
        using var dir = new TempDirectory();
        int port = FreePort();
        var spec = TestSpecs.SyntheticRegression(steps: 3000).With("training.logInterval=10", "training.evalInterval=1000");
        var run = Task.Run(() => CliRunner.RunSpecAsync(dir, spec, "--metrics", "prometheus", "--metrics-port", port.ToString(CultureInfo.InvariantCulture)));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? scrape = null;
        while (!run.IsCompleted)
        {
            try
            {
                var body = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
                if (body.Contains("forge_train_loss{") && body.Contains("forge_step_duration_seconds_bucket{"))
                {
                    scrape = body;
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(50);
        }
        var result = await run;

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.NotNull(scrape);
        var folder = CliRunner.RunFolder(dir);
        string runId = Path.GetFileName(folder);
        Assert.Matches($"forge_train_loss\\{{[^}}]*run_id=\"{Regex.Escape(runId)}\"", scrape);
        Assert.Matches("forge_train_loss\\{[^}]*experiment=\"test-synthetic\"", scrape);
        Assert.DoesNotMatch("step=\"", scrape); // never a step as a label
        foreach (var series in new[] { "forge_tokens_total", "forge_samples_total", "forge_step_duration_seconds_count", "forge_learning_rate", "forge_gradient_norm", "forge_parameters", "forge_eval_loss" })
            Assert.True(Sample(scrape!, series) is not null, $"{series} missing from the scrape:\n{scrape}");

        var records = File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        double scrapedLoss = Sample(scrape!, "forge_train_loss")!.Value;
        Assert.Contains(records, r => Math.Abs(r["loss"]!.GetValue<double>() - scrapedLoss) <= 1e-6 * Math.Abs(scrapedLoss));
        // Counters only grow with steps taken: 32 samples per step, scraped mid-run.
        double samples = Sample(scrape!, "forge_samples_total")!.Value;
        Assert.True(samples > 0 && samples % 32 == 0 && samples <= 3000 * 32, $"forge_samples_total = {samples}");
    }

    [Fact]
    public async Task An_unknown_exporter_is_a_spec_error_naming_the_field()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression(), "--metrics", "prometheus,grafana");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("metrics.exporters", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
