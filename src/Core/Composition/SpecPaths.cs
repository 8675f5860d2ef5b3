using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Abstractions.Plugins;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>
/// The relative paths in a spec are taken from the spec file's folder: a data file, the starting checkpoint
/// (<c>init.from</c>), third-party plugins (<c>plugins</c>). A spec written into another folder (by <c>forge
/// upscale --output</c> or <c>forge transfer --output</c>) must have them rewritten to reach the same files from there.
/// Which plugin options are paths their options classes say (<see cref="SpecPathAttribute"/>).
/// </summary>
public static class SpecPaths
{
    /// <summary>
    /// <paramref name="document"/> (a spec that resolves as <paramref name="spec"/>, whose paths are relative to
    /// <paramref name="spec"/>'s folder) with every relative path rewritten relative to <paramref name="directory"/>.
    /// </summary>
    public static JsonObject Rebase(JsonObject document, ResolvedSpec spec, string directory)
    {
        var copy = document.DeepClone().AsObject();
        var from = spec.SpecDirectory;
        var to = Path.GetFullPath(directory);
        if (from == to)
            return copy;
        RebaseFields(copy["init"] as JsonObject, typeof(InitOptions), from, to);
        foreach (var (section, selection) in new[] { ("model", spec.Model), ("data", spec.Data), ("optimizer", spec.Optimizer), ("parametrization", spec.Parametrization), ("precision", spec.Precision) })
            if (selection.Plugin.OptionsType is { } type)
                RebaseFields(copy[section] as JsonObject, type, from, to);
        for (int i = 0; i < spec.Callbacks.Count && copy["callbacks"] is JsonArray callbacks && i < callbacks.Count; i++)
            if (spec.Callbacks[i].Plugin.OptionsType is { } type)
                RebaseFields(callbacks[i] as JsonObject, type, from, to);
        if (copy["plugins"] is JsonArray plugins)
            for (int i = 0; i < plugins.Count; i++)
            {
                if (plugins[i] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    plugins[i] = Moved(value.GetValue<string>(), from, to);
                else if (plugins[i] is JsonObject entry && entry["path"] is JsonValue path && path.GetValueKind() == JsonValueKind.String)
                    entry["path"] = Moved(path.GetValue<string>(), from, to);
            }
        return copy;
    }

    /// <summary>The JSON names of <paramref name="optionsType"/>'s path options.</summary>
    public static IEnumerable<string> PathFields(Type optionsType) =>
        SpecJson.Options.GetTypeInfo(optionsType).Properties
            .Where(p => p.AttributeProvider is PropertyInfo property && property.GetCustomAttribute<SpecPathAttribute>() is not null)
            .Select(p => p.Name);

    private static void RebaseFields(JsonObject? section, Type optionsType, string from, string to)
    {
        if (section is null)
            return;
        foreach (var field in PathFields(optionsType))
            if (section[field] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                section[field] = Moved(value.GetValue<string>(), from, to);
    }

    private static string Moved(string path, string from, string to) =>
        Path.IsPathRooted(path) || path.Length == 0 ? path : Path.GetRelativePath(to, Path.GetFullPath(path, from));
}
