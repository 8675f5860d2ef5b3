using System.Text.Json.Nodes;
using Forge.Core.Errors;

namespace Forge.Core.Specs;

/// <summary>
/// Binds the top level of a spec, one JSON object, to its two halves: <see cref="ExperimentSpec"/> (what is trained) and
/// <see cref="RunSettings"/> (how it runs). A field that belongs to neither is reported once, against every top-level
/// field there is.
/// </summary>
public static class SpecSections
{
    /// <summary>The top-level field naming the spec's JSON Schema, for editors; it belongs to neither half.</summary>
    public const string SchemaField = "$schema";

    public static IReadOnlyList<string> ExperimentFields { get; } = OptionsBinder.FieldNames(typeof(ExperimentSpec));

    public static IReadOnlyList<string> SettingsFields { get; } = OptionsBinder.FieldNames(typeof(RunSettings));

    /// <summary>Every top-level field a spec may have.</summary>
    public static IReadOnlyList<string> AllFields { get; } = ExperimentFields.Concat(SettingsFields).Append(SchemaField).Append(SpecComposition.ExtendsField).ToList();

    /// <summary>
    /// A copy of <paramref name="document"/> without its <c>init</c> and <c>sweep</c> sections: the experiment itself,
    /// built from its own initialisation, once. What builds a checkpoint's own model, or a rule's base model.
    /// </summary>
    public static JsonObject WithoutStartAndSweep(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        copy.Remove("init");
        copy.Remove("sweep");
        return copy;
    }

    public static (ExperimentSpec Experiment, RunSettings Settings) Bind(JsonObject document, List<SpecProblem> problems)
    {
        foreach (var (name, _) in document)
            if (!AllFields.Contains(name))
                problems.Add(new SpecProblem(name, OptionsBinder.UnknownFieldMessage(name, AllFields)));
        var fields = document.Select(f => f.Key).ToList();
        var experiment = (ExperimentSpec)OptionsBinder.Bind(document, typeof(ExperimentSpec), "", problems, fields.Except(ExperimentFields).ToList());
        var settings = (RunSettings)OptionsBinder.Bind(document, typeof(RunSettings), "", problems, fields.Except(SettingsFields).ToList());
        return (experiment, settings);
    }
}
