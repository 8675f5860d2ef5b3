using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>
/// Reads a spec file, applies <c>--set</c> overrides, finds each plugin in the catalog and binds every section,
/// collecting all problems before reporting them in one <see cref="SpecException"/>.
/// </summary>
public sealed class SpecLoader(PluginCatalog builtIn)
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
            if (DuplicateFields.First(text) is { } duplicate)
                throw new SpecException(path, new SpecProblem(duplicate.Path,
                    $"is given twice in the same object (the second time at line {duplicate.Line}), so it is not clear which value counts; keep the one you mean and delete the other."));
            throw new SpecException(path, new SpecProblem("", $"is not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}: {FirstSentence(e.Message)}"));
        }
        if (root is not JsonObject document)
            throw new SpecException(path, new SpecProblem("", $"must be a JSON object {{ ... }}, not {root?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}."));
        var (expanded, _) = SpecComposition.Expand(document, fullPath);
        return Resolve(expanded, fullPath, overrides, path);
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
        var (experiment, settings) = SpecSections.Bind(document, problems);
        var catalog = builtIn.With(ExternalPlugins.Load(PluginReferences(settings.Plugins, specPath, problems).Concat(PluginSearchPath.References()), problems));

        var model = Select(catalog, experiment.Model, PluginFamily.Model, PluginFamily.Model.Section, problems);
        var data = Select(catalog, experiment.Data, PluginFamily.Dataset, PluginFamily.Dataset.Section, problems);
        var optimizer = Select(catalog, experiment.Optimizer, PluginFamily.Optimizer, PluginFamily.Optimizer.Section, problems);
        var parametrization = Select(catalog, experiment.Parametrization ?? new JsonObject { ["name"] = DefaultParametrization }, PluginFamily.Parametrization,
            PluginFamily.Parametrization.Section, problems);
        var precision = Select(catalog, PrecisionSection(experiment.Precision, problems), PluginFamily.Precision, PluginFamily.Precision.Section, problems);
        var callbacks = Callbacks(catalog, experiment.Callbacks, problems);

        if (problems.Count > 0)
            throw new SpecException(displayName ?? specPath, problems);
        return new ResolvedSpec(specPath, experiment, settings, document, overrides.ToList(), model!, data!, optimizer!, parametrization!, precision!, callbacks);
    }

    /// <summary>The <c>callbacks</c> list: each entry an object naming a callback plugin, with that plugin's fields.</summary>
    private static List<PluginSelection> Callbacks(PluginCatalog catalog, JsonArray? list, List<SpecProblem> problems)
    {
        var selections = new List<PluginSelection>();
        for (int i = 0; i < (list?.Count ?? 0); i++)
        {
            var path = $"{PluginFamily.Callback.Section}[{i}]";
            if (list![i] is not JsonObject entry)
            {
                problems.Add(new SpecProblem(path, $"{list[i]?.ToJsonString() ?? "null"} is not allowed here; each callback is an object {{ \"name\": ... }} naming one of the callback plugins: {string.Join(", ", catalog.Family(PluginFamily.Callback).Select(p => p.Name).Distinct())}."));
                continue;
            }
            if (Select(catalog, entry, PluginFamily.Callback, path, problems) is { } selection)
                selections.Add(selection);
        }
        return selections;
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

    /// <summary>The spec's <c>plugins</c> list: paths (relative to the spec's folder), or <c>{ "path": ..., "sha256": ... }</c>.</summary>
    private static IEnumerable<PluginReference> PluginReferences(JsonArray? plugins, string specPath, List<SpecProblem> problems)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(specPath)) ?? Environment.CurrentDirectory;
        for (int i = 0; i < (plugins?.Count ?? 0); i++)
        {
            var origin = $"plugins[{i}]";
            string? path = null, sha256 = null;
            switch (plugins![i])
            {
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    path = value.GetValue<string>();
                    break;
                case JsonObject entry when entry["path"] is JsonValue p && p.GetValueKind() == JsonValueKind.String
                                           && entry.All(f => f.Key is "path" or "sha256")
                                           && (entry["sha256"] is null || entry["sha256"]!.GetValueKind() == JsonValueKind.String):
                    path = p.GetValue<string>();
                    sha256 = entry["sha256"]?.GetValue<string>();
                    break;
            }
            if (string.IsNullOrWhiteSpace(path))
            {
                problems.Add(new SpecProblem(origin, "must be the path of a plugin .dll (or its build folder), or { \"path\": \"...\", \"sha256\": \"...\" }."));
                continue;
            }
            yield return new PluginReference(Path.GetFullPath(Path.Combine(folder, path)), sha256, origin);
        }
    }

    /// <summary>The plugin a section (at <paramref name="sectionPath"/>) names, with the section bound to its options.</summary>
    private static PluginSelection? Select(PluginCatalog catalog, JsonObject? section, PluginFamily family, string sectionPath, List<SpecProblem> problems)
    {
        var known = catalog.Family(family).Select(p => p.Name).Distinct().ToList();
        var knownList = string.Join(", ", known);
        if (section is null)
        {
            problems.Add(new SpecProblem(sectionPath, $"is missing; add \"{sectionPath}\": {{ \"name\": \"...\" }} naming one of the {family.Noun} plugins: {knownList}."));
            return null;
        }
        var namePath = $"{sectionPath}.name";
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
        var matching = catalog.Matching(family, name);
        if (matching.Count > 1)
        {
            problems.Add(new SpecProblem(namePath, $"'{name}' names {matching.Count} {family.Noun} plugins: {string.Join(" and ", matching.Select(m => $"{m.Type.FullName} from {m.Source}"))}. Qualify the name to choose one: {string.Join(" or ", matching.Select(m => $"\"{m.AssemblyName}/{m.Name}\""))}."));
            return null;
        }
        var plugin = matching.SingleOrDefault();
        if (plugin is null)
        {
            problems.Add(new SpecProblem(namePath, $"unknown {family.Noun} plugin '{name}'; {ClosestName.Hint(name, known)}known {family.Noun} plugins: {knownList}."));
            return null;
        }
        if (plugin.OptionsType is null)
        {
            foreach (var (field, _) in section)
                if (field != "name")
                    problems.Add(new SpecProblem($"{sectionPath}.{field}", OptionsBinder.UnknownFieldMessage(field, PluginSectionFields)));
            return new PluginSelection(plugin, null);
        }
        var options = OptionsBinder.Bind(section, plugin.OptionsType, sectionPath, problems, PluginSectionFields);
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
