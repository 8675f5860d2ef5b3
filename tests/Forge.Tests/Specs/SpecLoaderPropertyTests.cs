using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Forge.Tests.Support;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Plugins;

namespace Forge.Tests.Specs;

/// <summary>
/// FsCheck throws random JSON at the spec loader: whatever the document, it either resolves or reports validation
/// problems (a <see cref="SpecException"/>) — it never throws anything else.
/// </summary>
public class SpecLoaderPropertyTests
{
    private static readonly SpecLoader Loader = new(PluginCatalog.BuiltIn());

    private static readonly string[] Keys =
    {
        "name", "seed", "device", "precision", "threads", "model", "data", "optimizer", "parametrization", "training", "metrics",
        "checkpoint", "resume", "guard", "sweep", "steps", "batchSize", "width", "depth", "lr", "path", "context", "schedule",
        "warmupSteps", "decay", "exporters", "layers", "interval", "onNonFinite", "parameters", "values", "log2Min", "headDim",
        "baseWidth", "weightDecay", "evalInterval", "logInterval", "prometheus", "port", "keepLast", "$schema", "", "ünïcødé",
    };

    private static readonly string[] Words = { "gpt", "mlp", "text", "synthetic", "adamw", "sgd", "mup", "sp", "umup", "fp8", "none", "auto", "cosine", "prometheus", "skip", "cpu", "" };

    private static Gen<JsonNode?> Leaf() => Gen.OneOf(
        Gen.Constant<JsonNode?>(null),
        Gen.Elements(true, false).Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.Choose(-3, 1000).Select(i => (JsonNode?)JsonValue.Create(i)),
        Gen.Elements(0.0, -1.5, 1e-9, 3e38, 1e300, -0.0, 0.5).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Elements(long.MaxValue, long.MinValue, int.MaxValue + 1L).Select(l => (JsonNode?)JsonValue.Create(l)),
        Gen.Elements(Words).Select(s => (JsonNode?)JsonValue.Create(s)),
        ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => (JsonNode?)JsonValue.Create(s.Get)));

    private static Gen<JsonNode?> Node(int depth) => depth <= 0
        ? Leaf()
        : Gen.Frequency((4, Leaf()), (1, Array(depth)), (2, Object(depth)));

    private static Gen<JsonNode?> Array(int depth) =>
        Gen.Choose(0, 3).SelectMany(n => Node(depth - 1).ListOf(n)).Select(items => (JsonNode?)new JsonArray(items.ToArray()));

    private static Gen<JsonNode?> Object(int depth) =>
        Gen.Choose(0, 5).SelectMany(n => Gen.Elements(Keys).Zip(Node(depth - 1)).ListOf(n))
            .Select(pairs =>
            {
                var json = new JsonObject();
                foreach (var (key, value) in pairs)
                    json[key] = value;
                return (JsonNode?)json;
            });

    /// <summary>A valid spec with a few fields replaced by random JSON: reaches the deeper binders and validators.</summary>
    private static Gen<JsonObject> MutatedSpec() =>
        Gen.Choose(1, 4).SelectMany(n => Gen.Elements(
                "name", "seed", "model", "model.width", "model.name", "data", "data.context", "optimizer.lr", "optimizer", "training",
                "training.steps", "training.schedule", "parametrization", "precision", "metrics", "metrics.layers", "checkpoint", "guard",
                "resume", "sweep", "threads", "device", "training.schedule.warmupSteps", "metrics.prometheus.port")
            .Zip(Node(3)).ListOf(n))
            .Select(changes =>
            {
                var spec = TestSpecs.Gpt();
                foreach (var (path, value) in changes)
                {
                    var parts = path.Split('.');
                    JsonObject target = spec;
                    foreach (var part in parts[..^1])
                        target = target[part] as JsonObject ?? (JsonObject)(target[part] = new JsonObject());
                    target[parts[^1]] = value?.DeepClone();
                }
                return spec;
            });

    private static bool LoadsOrReportsProblems(JsonObject document)
    {
        var text = document.ToJsonString();
        try
        {
            Loader.Resolve(document, Path.Combine(TestSpecs.RepositoryRoot, "experiments", "random.json"), System.Array.Empty<string>());
            return true;
        }
        catch (SpecException e)
        {
            return e.Problems.Count > 0 && e.Problems.All(p => !string.IsNullOrWhiteSpace(p.Message));
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message} for {text}\n{e}");
        }
    }

    [Fact]
    public void Random_json_documents_load_or_report_problems_never_throw()
    {
        var documents = Object(4).Select(node => (JsonObject)node!);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(Arb.From(documents), LoadsOrReportsProblems));
    }

    [Fact]
    public void Valid_specs_with_random_fields_load_or_report_problems_never_throw()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(Arb.From(MutatedSpec()), LoadsOrReportsProblems));
    }
}
