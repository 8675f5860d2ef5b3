using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Forge.Tests.Support;

namespace Forge.Tests.Telemetry;

/// <summary>The shipped Grafana dashboard and provisioning (deploy/observability/grafana), checked against a real scrape.</summary>
[Collection(ScrapedRunCollection.Name)]
public class GrafanaDashboardTests(ScrapedRun run)
{
    private static readonly string Observability = Path.Combine(TestSpecs.RepositoryRoot, "deploy", "observability");
    private static JsonObject Dashboard => GrafanaDashboard.Json;

    private static IEnumerable<JsonObject> Panels => GrafanaDashboard.Panels;

    private static IEnumerable<JsonObject> Variables => GrafanaDashboard.Variables;

    private static IEnumerable<string> PanelQueries => GrafanaDashboard.PanelQueries;

    /// <summary>Every PromQL expression: panel targets and variable queries.</summary>
    private static IEnumerable<string> Queries => PanelQueries.Concat(Variables.Select(v => v["query"]!["query"]!.GetValue<string>()));

    [Fact]
    public void The_dashboard_is_well_formed_with_experiment_and_run_selectors()
    {
        Assert.Equal("forge-training", Dashboard["uid"]!.GetValue<string>());
        Assert.Equal(new[] { "experiment", "run", "role" }, Variables.Select(v => v["name"]!.GetValue<string>()));
        var ids = Panels.Select(p => p["id"]!.GetValue<int>()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var panel in Panels.Where(p => p["type"]!.GetValue<string>() != "row"))
        {
            var title = panel["title"]!.GetValue<string>();
            var grid = panel["gridPos"]!.AsObject();
            Assert.True(grid["x"]!.GetValue<int>() + grid["w"]!.GetValue<int>() <= 24, $"{title} is wider than the grid");
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            Assert.Equal(targets.Count, targets.Select(t => t!["refId"]!.GetValue<string>()).Distinct().Count());
            Assert.All(targets, t =>
            {
                var expr = t!["expr"]!.GetValue<string>();
                Assert.Contains("run_id=~\"$run\"", expr); // every panel follows the selectors
                Assert.Contains("experiment=~\"$experiment\"", expr);
            });
        }
        var titles = Panels.Select(p => p["title"]!.GetValue<string>()).ToList();
        foreach (var required in new[] { "Training loss", "Evaluation loss", "Learning rate", "Gradient norm", "Tokens per second", "Step time quantiles", "Activation RMS per module", "Update / weight RMS ratio", "Spectral ratio of updates", "Classification accuracy" })
            Assert.Contains(required, titles);
    }

    [Fact]
    public void Every_variable_a_query_uses_is_defined()
    {
        var defined = Variables.Select(v => v["name"]!.GetValue<string>()).ToHashSet();
        var used = Queries.SelectMany(q => Regex.Matches(q, @"\$(\w+)").Select(m => m.Groups[1].Value)).Where(v => !v.StartsWith("__", StringComparison.Ordinal)).ToHashSet();
        Assert.Subset(defined, used);
    }

    [Fact]
    public void Every_metric_the_dashboard_queries_is_in_a_real_scrape_of_a_forge_run()
    {
        var scraped = run.MetricNames;
        var queried = Queries.SelectMany(q => Regex.Matches(q, @"\bforge_[a-z0-9_]+").Select(m => m.Value)).ToHashSet();
        Assert.True(queried.Count >= 15, $"only {queried.Count} metrics queried");
        var unknown = queried.Where(m => !scraped.Contains(m)).ToList();
        Assert.True(unknown.Count == 0, $"the dashboard queries metrics Forge does not export: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void Panels_use_the_provisioned_datasource_and_the_provider_loads_the_dashboard_folder()
    {
        var datasource = File.ReadAllText(Path.Combine(Observability, "grafana", "provisioning", "datasources", "forge-prometheus.yml"));
        var uid = Regex.Match(datasource, @"^\s*uid:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.Equal("forge-prometheus", uid);
        Assert.All(Panels.Where(p => p["type"]!.GetValue<string>() != "row"), p => Assert.Equal(uid, p["datasource"]!["uid"]!.GetValue<string>()));
        Assert.All(Variables, v => Assert.Equal(uid, v["datasource"]!["uid"]!.GetValue<string>()));

        var provider = File.ReadAllText(Path.Combine(Observability, "grafana", "provisioning", "dashboards", "forge.yml"));
        var path = Regex.Match(provider, @"^\s*path:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        var compose = File.ReadAllText(Path.Combine(Observability, "docker-compose.yml"));
        Assert.Contains($"./grafana/dashboards:{path}:ro", compose); // the provider's folder is where compose mounts the dashboards
    }
}
