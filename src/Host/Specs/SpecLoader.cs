using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Host.Plugins;

namespace Forge.Host.Specs;

/// <summary>
/// Reads a spec file, applies <c>--set</c> overrides, finds each plugin in the catalog and binds every section,
/// collecting all problems before reporting them in one <see cref="SpecException"/>.
/// </summary>
internal sealed class SpecLoader(PluginCatalog catalog)
{
    public const string DefaultParametrization = "sp";
    public const string DefaultPrecision = "fp32";
    private static readonly string[] PluginSectionFields = { "name" };

    public async Task<ResolvedSpec> LoadAsync(string path, IReadOnlyList<string> overrides, CancellationToken cancellationToken = default)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new SpecException(path, new SpecProblem("", $"the spec file does not exist (looked for {fullPath}). Check the path; the examples are in experiments/."));
        string text = await File.ReadAllTextAsync(fullPath, cancellationToken);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: SpecJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new SpecException(path, new SpecProblem("", $"is not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}"));
        }
        if (root is not JsonObject document)
            throw new SpecException(path, new SpecProblem("", $"must be a JSON object {{ ... }}, not {root?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}."));
        return Resolve(document, fullPath, overrides, path);
    }

    public ResolvedSpec Resolve(JsonObject document, string specPath, IReadOnlyList<string> overrides, string? displayName = null)
    {
        var problems = new List<SpecProblem>();
        foreach (var text in overrides)
        {
            try
            {
                SpecOverride.Parse(text).ApplyTo(document);
            }
            catch (FormatException e)
            {
                problems.Add(new SpecProblem("--set", e.Message));
            }
        }

        if (document["checkpoint"] is JsonValue checkpoint && checkpoint.GetValueKind() == JsonValueKind.String)
        {
            if (checkpoint.GetValue<string>() == "none")
                document["checkpoint"] = new JsonObject { ["enabled"] = false }; // "none" is short for this
            else
            {
                problems.Add(new SpecProblem("checkpoint", $"\"{checkpoint.GetValue<string>()}\" is not allowed here; use \"none\" or an object {{ \"interval\": 200, \"keepLast\": 2 }}."));
                document.Remove("checkpoint"); // reported once, here
            }
        }
        var spec = (ExperimentSpec)OptionsBinder.Bind(document, typeof(ExperimentSpec), "", problems);

        var model = Select(spec.Model, PluginFamily.Model, problems);
        var data = Select(spec.Data, PluginFamily.Dataset, problems);
        var optimizer = Select(spec.Optimizer, PluginFamily.Optimizer, problems);
        var parametrization = Select(spec.Parametrization ?? new JsonObject { ["name"] = DefaultParametrization }, PluginFamily.Parametrization, problems);
        var precision = Select(PrecisionSection(spec.Precision, problems), PluginFamily.Precision, problems);

        if (problems.Count > 0)
            throw new SpecException(displayName ?? specPath, problems);
        return new ResolvedSpec(specPath, spec, document, overrides.ToList(), model!, data!, optimizer!, parametrization!, precision!);
    }

    /// <summary><c>"precision": "fp8"</c> is short for <c>{ "name": "fp8" }</c>; absent means fp32.</summary>
    private static JsonObject? PrecisionSection(JsonNode? precision, List<SpecProblem> problems) => precision switch
    {
        null => new JsonObject { ["name"] = DefaultPrecision },
        JsonValue value when value.GetValueKind() == JsonValueKind.String => new JsonObject { ["name"] = value.GetValue<string>() },
        JsonObject section => section,
        _ => Problem(problems, new SpecProblem("precision", $"{precision.ToJsonString()} is not allowed here; give a policy name such as \"fp32\", \"bf16\" or \"fp8\", or an object {{ \"name\": ... }}.")),
    };

    private static JsonObject? Problem(List<SpecProblem> problems, SpecProblem problem)
    {
        problems.Add(problem);
        return new JsonObject { ["name"] = DefaultPrecision };
    }

    private PluginSelection? Select(JsonObject? section, PluginFamily family, List<SpecProblem> problems)
    {
        var known = catalog.Family(family).Select(p => p.Name).ToList();
        var knownList = string.Join(", ", known);
        if (section is null)
        {
            problems.Add(new SpecProblem(family.Section, $"is missing; add \"{family.Section}\": {{ \"name\": \"...\" }} naming one of the {family.Noun} plugins: {knownList}."));
            return null;
        }
        var namePath = $"{family.Section}.name";
        var nameNode = section["name"];
        if (nameNode is null)
        {
            problems.Add(new SpecProblem(namePath, $"is missing; name one of the {family.Noun} plugins: {knownList}."));
            return null;
        }
        if (nameNode.GetValueKind() != JsonValueKind.String)
        {
            problems.Add(new SpecProblem(namePath, $"must be a string naming one of the {family.Noun} plugins: {knownList}."));
            return null;
        }
        var name = nameNode.GetValue<string>();
        var plugin = catalog.Find(family, name);
        if (plugin is null)
        {
            problems.Add(new SpecProblem(namePath, $"unknown {family.Noun} plugin '{name}'; {ClosestName.Hint(name, known)}known {family.Noun} plugins: {knownList}."));
            return null;
        }
        if (plugin.OptionsType is null)
        {
            foreach (var (field, _) in section)
                if (field != "name")
                    problems.Add(new SpecProblem($"{family.Section}.{field}", OptionsBinder.UnknownFieldMessage(field, PluginSectionFields)));
            return new PluginSelection(plugin, null);
        }
        var options = OptionsBinder.Bind(section, plugin.OptionsType, family.Section, problems, PluginSectionFields);
        return new PluginSelection(plugin, options);
    }

    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            int cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
                message = message[..cut];
        }
        return message.TrimEnd();
    }
}
