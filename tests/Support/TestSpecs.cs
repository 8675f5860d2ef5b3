using System.Text.Json.Nodes;
using Forge.Core.Specs;

namespace Forge.Tests.Support;

/// <summary>Small specs for tests: tiny widths, tens of steps, one thread.</summary>
public static class TestSpecs
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string ShakespearePath => Path.Combine(RepositoryRoot, "data", "tinyshakespeare.txt");

    /// <summary>An mlp on synthetic regression that trains in well under a second.</summary>
    public static JsonObject SyntheticRegression(int steps = 40, long seed = 3) => new()
    {
        ["name"] = "test-synthetic",
        ["seed"] = seed,
        ["device"] = "cpu",
        ["threads"] = 1,
        ["model"] = new JsonObject { ["name"] = "mlp", ["width"] = 32, ["depth"] = 1 },
        ["data"] = new JsonObject { ["name"] = "synthetic", ["features"] = 8, ["outputs"] = 2, ["teacherWidth"] = 16 },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 0.003, ["weightDecay"] = 0.0 },
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = 32, ["evalInterval"] = 20, ["evalBatches"] = 2, ["logInterval"] = 5,
        },
    };

    /// <summary>An mlp bigram model on the shipped Shakespeare text.</summary>
    public static JsonObject Text(int steps = 30) => new()
    {
        ["name"] = "test-text",
        ["seed"] = 5,
        ["device"] = "cpu",
        ["threads"] = 1,
        ["model"] = new JsonObject { ["name"] = "mlp", ["width"] = 32, ["depth"] = 1 },
        ["data"] = new JsonObject { ["name"] = "text", ["path"] = ShakespearePath, ["context"] = 16 },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 0.01 },
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = 16, ["evalInterval"] = 0, ["evalBatches"] = 4, ["logInterval"] = 10,
            ["schedule"] = new JsonObject { ["decay"] = "constant" },
        },
    };

    /// <summary>
    /// A small GPT on Shakespeare characters. Under umup the decay is u-μP's independent one (umup refuses the others)
    /// at the λ of experiments/umup-gpt.json.
    /// </summary>
    public static JsonObject Gpt(int width = 32, int steps = 10, string parametrization = "mup") => new()
    {
        ["name"] = "test-gpt",
        ["seed"] = 2,
        ["device"] = "cpu",
        ["threads"] = 1,
        ["model"] = new JsonObject { ["name"] = "gpt", ["width"] = width, ["depth"] = 2, ["headDim"] = 8, ["mlpRatio"] = 4 },
        ["data"] = new JsonObject { ["name"] = "text", ["path"] = ShakespearePath, ["context"] = 16 },
        ["optimizer"] = parametrization == "umup"
            ? new JsonObject { ["name"] = "adamw", ["lr"] = 0.01, ["weightDecay"] = 1e-4, ["weightDecayMode"] = "independent" }
            : new JsonObject { ["name"] = "adamw", ["lr"] = 0.01, ["weightDecay"] = 0.1 },
        ["parametrization"] = new JsonObject { ["name"] = parametrization },
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = 4, ["evalInterval"] = 0, ["evalBatches"] = 1, ["logInterval"] = 1,
            ["schedule"] = new JsonObject { ["decay"] = "constant" },
        },
    };

    /// <summary><paramref name="spec"/> with <c>path=value</c> overrides applied (a copy).</summary>
    public static JsonObject With(this JsonObject spec, params string[] overrides)
    {
        var copy = spec.DeepClone().AsObject();
        foreach (var o in overrides)
            SpecOverride.Parse(o).ApplyTo(copy);
        return copy;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Forge.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Cannot find the repository root (Forge.sln) above " + AppContext.BaseDirectory);
    }
}
