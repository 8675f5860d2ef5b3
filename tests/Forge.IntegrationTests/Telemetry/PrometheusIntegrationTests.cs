using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Tests.Support;
using Forge.Core.Telemetry;

namespace Forge.IntegrationTests.Telemetry;

/// <summary>
/// A real Prometheus (Debian's package; .ci/run installs it) on loopback with the shipped prometheus.yml, discovering
/// a Forge run through runs/prometheus-targets, scraping it and answering queries over its HTTP API.
/// </summary>
public class PrometheusIntegrationTests
{
    private static readonly string ShippedConfig = Path.Combine(TestSpecs.RepositoryRoot, "deploy", "observability", "prometheus", "prometheus.yml");

    [RequiresProgramFact("promtool")]
    public async Task The_shipped_prometheus_configuration_is_valid()
    {
        var (code, output) = await RunAsync("promtool", "check", "config", ShippedConfig);

        Assert.True(code == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [RequiresProgramFact("prometheus")]
    public async Task Prometheus_discovers_a_run_scrapes_it_and_answers_queries_with_its_values()
    {
        using var dir = new TempDirectory();
        var runs = Path.Combine(dir.Path, "runs");
        // The shipped configuration, with the runs folder of this test and one-second intervals.
        var config = File.ReadAllText(ShippedConfig)
            .Replace("../../../runs/prometheus-targets/*.json", Path.Combine(runs, "prometheus-targets", "*.json"), StringComparison.Ordinal)
            .Replace("scrape_interval: 5s", "scrape_interval: 1s", StringComparison.Ordinal)
            .Replace("refresh_interval: 30s", "refresh_interval: 1s", StringComparison.Ordinal);
        Assert.Contains(runs, config);
        var configPath = dir.File("prometheus.yml", config);
        int port = FreePort.On();
        using var prometheus = Process.Start(new ProcessStartInfo("prometheus",
            new[] { $"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(dir.Path, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}" })
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        prometheus.OutputDataReceived += (_, _) => { };
        prometheus.ErrorDataReceived += (_, _) => { };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            await WaitUntilAsync(async () => (await http.GetAsync("/-/ready")).IsSuccessStatusCode, "Prometheus to become ready");

            using var stop = new CancellationTokenSource();
            var spec = TestSpecs.SyntheticRegression(steps: 1_000_000)
                .With("data.task=\"classification\"", "training.logInterval=10", "training.evalInterval=1000", "precision=fp8", "metrics.layers.interval=20"); // classification: the accuracy panel has data
            var run = Task.Run(() => CliRunner.RunSpecAsync(dir, spec, stop.Token, "--metrics", "prometheus", "--metrics-port", "0"));
            JsonArray? series = null;
            try
            {
                await WaitUntilAsync(async () =>
                {
                    if (run.IsCompleted)
                        throw new InvalidOperationException($"the run ended before Prometheus scraped it: {(await run).Error}");
                    var answer = JsonNode.Parse(await http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString("forge_train_loss{job=\"forge\"}")))!;
                    series = answer["data"]!["result"]!.AsArray();
                    return series.Count > 0;
                }, "Prometheus to scrape forge_train_loss from the run");
                await Task.Delay(TimeSpan.FromSeconds(3)); // a few more scrapes, so rate() and histogram_quantile() have two points
            }
            finally
            {
                await stop.CancelAsync();
            }
            var result = await run;

            Assert.Equal(130, result.ExitCode);
            var folder = CliRunner.RunFolder(dir);
            var sample = series!.Single()!;
            Assert.Equal(Path.GetFileName(folder), sample["metric"]!["run_id"]!.GetValue<string>());
            Assert.Equal("test-synthetic", sample["metric"]!["experiment"]!.GetValue<string>());
            double value = double.Parse(sample["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var losses = File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>());
            Assert.Contains(losses, loss => Math.Abs(loss - value) <= 1e-6 * Math.Abs(value));

            // Every query of the shipped dashboard, with its selectors on "all", returns data for this run.
            foreach (var expr in GrafanaDashboard.PanelQueries)
            {
                var query = expr.Replace("$experiment", ".*", StringComparison.Ordinal).Replace("$run", ".*", StringComparison.Ordinal).Replace("$role", ".*", StringComparison.Ordinal);
                var answer = JsonNode.Parse(await http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)))!;
                Assert.Equal("success", answer["status"]!.GetValue<string>());
                Assert.True(answer["data"]!["result"]!.AsArray().Count > 0, $"the dashboard query {expr} returned no data");
            }
        }
        finally
        {
            prometheus.Kill(entireProcessTree: true);
            await prometheus.WaitForExitAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not up yet
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Waited 60 s for {what}.");
            await Task.Delay(200);
        }
    }


    private static async Task<(int Code, string Output)> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }
}
