using System.Text.Json.Nodes;

namespace Forge.Tests.Support;

/// <summary>The shipped Grafana dashboard (deploy/observability/grafana/dashboards/forge-training.json): its panels, variables and queries.</summary>
public static class GrafanaDashboard
{
    public static readonly JsonObject Json = JsonNode.Parse(File.ReadAllText(Path.Combine(TestSpecs.RepositoryRoot, "deploy", "observability", "grafana", "dashboards", "forge-training.json")))!.AsObject();

    public static IEnumerable<JsonObject> Panels => Json["panels"]!.AsArray().Select(p => p!.AsObject());

    public static IEnumerable<JsonObject> Variables => Json["templating"]!["list"]!.AsArray().Select(v => v!.AsObject());

    /// <summary>The PromQL expression of every panel target.</summary>
    public static IEnumerable<string> PanelQueries =>
        Panels.SelectMany(p => p["targets"]?.AsArray() ?? new JsonArray()).Select(t => t!["expr"]!.GetValue<string>());
}
