using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.Tests.Telemetry;

/// <summary>A real run with the Prometheus exporter, scraped over HTTP while it trains (<see cref="ScrapedRun"/>).</summary>
[Collection(ScrapedRunCollection.Name)]
public class PrometheusExportTests(ScrapedRun run)
{
    private static List<JsonNode> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public void The_scrape_has_every_series_with_the_run_label_and_never_a_step_label()
    {
        Assert.Equal(130, run.Result.ExitCode); // stopped as Ctrl-C would, once the scrape was complete
        var missing = ScrapedRun.Expected.Where(name => !run.MetricNames.Contains(name)).ToList();
        Assert.True(missing.Count == 0, $"missing from the scrape: {string.Join(", ", missing)}\n{run.Scrape}");
        string runId = Path.GetFileName(run.Folder);
        foreach (var name in ScrapedRun.Expected)
            Assert.All(run.Samples(name), s =>
            {
                Assert.Equal(runId, s.Labels["run_id"]);
                Assert.Equal("test-synthetic", s.Labels["experiment"]);
            });
        Assert.DoesNotMatch("\\bstep=\"", run.Scrape);
        Assert.DoesNotMatch("\\blr=\"", run.Scrape);
    }

    [Fact]
    public void Scraped_values_match_metrics_jsonl_and_counters_match_the_steps_taken()
    {
        var records = Lines(Path.Combine(run.Folder, "metrics.jsonl"));
        double loss = run.Samples("forge_train_loss").Single().Value;
        Assert.Contains(records, r => Math.Abs(r["loss"]!.GetValue<double>() - loss) <= 1e-6 * Math.Abs(loss));
        double samples = run.Samples("forge_samples_total").Single().Value;
        Assert.True(samples > 0 && samples % 32 == 0, $"forge_samples_total = {samples}: 32 samples per step");
        Assert.Equal(0, run.Samples("forge_divergences_total").Single().Value);
        // sp gives every tensor the global rate; the groups differ only in weight decay (matrices decay, biases do not).
        var groups = run.Samples("forge_group_learning_rate").ToList();
        Assert.Equal(new[] { "bias", "input+hidden+output" }, groups.Select(g => g.Labels["roles"]).Order());
        double global = run.Samples("forge_learning_rate").Single().Value; // recorded just before the group rates: a scrape may fall between
        Assert.All(groups, group => Assert.True(Math.Abs(global - group.Value) <= 1e-6 * global, $"group {group.Value} vs global {global}"));
    }

    [Fact]
    public void Per_layer_series_carry_the_tensor_and_match_layers_jsonl()
    {
        var layers = Lines(Path.Combine(run.Folder, "layers.jsonl"));
        Assert.Equal(1, layers[0]["step"]!.GetValue<int>());
        Assert.All(layers.Skip(1), l => Assert.Equal(0, l["step"]!.GetValue<int>() % 20));
        var scraped = run.Samples("forge_layer_weight_rms");
        Assert.Contains(scraped, s => s.Labels["tensor"] == "hidden.0.weight" && s.Labels["role"] == "hidden");
        Assert.All(scraped, s => Assert.Contains(layers, l => l["tensors"]!.AsArray().Any(t =>
            t!["name"]!.GetValue<string>() == s.Labels["tensor"] && Math.Abs(t["weightRms"]!.GetValue<double>() - s.Value) <= 1e-6 * s.Value)));
        Assert.Contains(run.Samples("forge_layer_activation_rms"), s => s.Labels.ContainsKey("module"));
    }

    [Fact]
    public void The_run_announces_its_address_for_prometheus_file_discovery_and_withdraws_it_at_the_end()
    {
        var announced = JsonNode.Parse(run.TargetFile)![0]!["targets"]![0]!.GetValue<string>();
        Assert.Matches("^127\\.0\\.0\\.1:[0-9]+$", announced);
        Assert.Contains($"metrics: http://{announced}/metrics", run.Result.Output);
        Assert.Empty(Directory.GetFiles(Path.Combine(run.RunsRoot, "prometheus-targets")));
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
