using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Core.Files;

namespace Forge.Core.Specs;

/// <summary>
/// <c>"extends": "base.json"</c>: a spec that says only how it differs from another. The base (a path relative to the
/// extending file, itself allowed to extend another) is read and expanded first, then the extending file is merged
/// over it as a JSON merge patch (RFC 7396: objects merge field by field, any other value replaces, <c>null</c>
/// deletes the field). A chain that comes back to a file already in it is refused, naming the chain.
/// The expanded spec has no <c>extends</c>; it is what the run folder's <c>spec.json</c> records, so relative paths
/// in every file of the chain (data, plugins) are read from the folder of the spec being run.
/// </summary>
public static class SpecComposition
{
    /// <summary>The top-level field naming the base spec.</summary>
    public const string ExtendsField = "extends";

    /// <summary>The expanded <paramref name="document"/>, read from <paramref name="path"/>, and the chain of files it came from, the file itself first.</summary>
    public static (JsonObject Document, IReadOnlyList<SpecLayer> Layers) Expand(JsonObject document, string path)
    {
        var layers = new List<SpecLayer>();
        Collect(document, Path.GetFullPath(path), layers);
        if (layers.Count == 1)
            return (document, layers); // nothing to merge: the document as written, explicit nulls included
        var expanded = new JsonObject();
        for (int i = layers.Count - 1; i >= 0; i--)
            Merge(expanded, layers[i].Patch);
        return (expanded, layers);
    }

    /// <summary>The chain of files the spec at <paramref name="path"/> comes from, the file itself first.</summary>
    public static IReadOnlyList<SpecLayer> Layers(string path)
    {
        var full = Path.GetFullPath(path);
        return Expand(Read(full, full), full).Layers;
    }

    /// <summary>
    /// SHA-256 of what the spec at <paramref name="path"/> is made of: of the file itself when it extends nothing, or
    /// else of every file's hash in its chain, most derived first, so that an edit to a base changes it too.
    /// </summary>
    /// <exception cref="SpecException">A file of the chain is missing or is not a spec object.</exception>
    public static string Sha256(string path)
    {
        var layers = Layers(path);
        return layers.Count == 1
            ? FileHash.Sha256Of(layers[0].File)
            : FileHash.Sha256Of(Encoding.UTF8.GetBytes(string.Join("\n", layers.Select(l => FileHash.Sha256Of(l.File)))));
    }

    /// <summary>Which file of <paramref name="layers"/> set each leaf of <paramref name="expanded"/> (dotted paths, arrays whole).</summary>
    /// <param name="expanded">The spec as run.</param>
    /// <param name="layers">Its files, most derived first.</param>
    /// <param name="overridden">Dotted paths that <c>--set</c> gave: their fields come from "--set".</param>
    public static IReadOnlyList<(string Field, string File)> Origins(JsonObject expanded, IReadOnlyList<SpecLayer> layers, IReadOnlyList<string> overridden)
    {
        var origins = new List<(string, string)>();
        foreach (var (field, segments) in Leaves(expanded, Array.Empty<string>()))
        {
            if (overridden.Any(o => field == o || field.StartsWith(o + ".", StringComparison.Ordinal)))
            {
                origins.Add((field, "--set"));
                continue;
            }
            // The most derived file that holds the field, or else the nearest object around it (a shorthand such as
            // "checkpoint": "none" expands into fields no file spells out).
            var layer = Enumerable.Range(1, segments.Length).Reverse()
                .Select(n => layers.FirstOrDefault(l => At(l.Patch, segments[..n]) is not null))
                .FirstOrDefault(l => l is not null);
            origins.Add((field, layer?.File ?? "?"));
        }
        return origins;
    }

    /// <summary>RFC 7396: merges <paramref name="patch"/> into <paramref name="target"/> in place.</summary>
    public static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
                target.Remove(name);
            else if (value is JsonObject patchObject)
            {
                if (target[name] is not JsonObject targetObject)
                {
                    targetObject = new JsonObject();
                    target[name] = targetObject;
                }
                Merge(targetObject, patchObject);
            }
            else
                target[name] = value.DeepClone();
        }
    }

    private static void Collect(JsonObject document, string file, List<SpecLayer> layers)
    {
        if (layers.FindIndex(l => l.File == file) is var seen and >= 0)
            throw new SpecException(layers[0].File, new SpecProblem(ExtendsField,
                $"the chain of extends comes back to a file it already holds: {string.Join(" → ", layers.Skip(seen).Select(l => l.File).Append(file))}; remove one of these \"extends\" fields."));
        var patch = document.DeepClone().AsObject();
        var extends = patch[ExtendsField];
        patch.Remove(ExtendsField);
        layers.Add(new SpecLayer(file, patch));
        if (extends is null)
            return;
        if (extends.GetValueKind() != JsonValueKind.String || string.IsNullOrWhiteSpace(extends.GetValue<string>()))
            throw new SpecException(file, new SpecProblem(ExtendsField,
                $"must be the path of the spec this one extends (relative to {Path.GetDirectoryName(file)}), such as \"mup-gpt.json\"; not {extends.ToJsonString()}."));
        var basePath = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, extends.GetValue<string>()));
        Collect(Read(basePath, file), basePath, layers);
    }

    private static JsonObject Read(string basePath, string extendingFile)
    {
        if (!File.Exists(basePath))
            throw new SpecException(extendingFile, new SpecProblem(ExtendsField,
                $"names a base spec that does not exist (looked for {basePath}); the path is relative to the extending spec's folder."));
        string text = File.ReadAllText(basePath);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: SpecJson.DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new SpecException(extendingFile, new SpecProblem(ExtendsField,
                $"names {basePath}, which is not valid JSON at line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}; fix that file (forge validate {basePath} says more)."));
        }
        return root as JsonObject ?? throw new SpecException(extendingFile, new SpecProblem(ExtendsField,
            $"names {basePath}, which is not a JSON object {{ ... }} and so cannot be a base spec."));
    }

    private static IEnumerable<(string Field, string[] Segments)> Leaves(JsonObject node, string[] prefix)
    {
        foreach (var (name, value) in node)
        {
            var segments = prefix.Append(name).ToArray();
            if (value is JsonObject child && child.Count > 0)
                foreach (var leaf in Leaves(child, segments))
                    yield return leaf;
            else
                yield return (string.Join('.', segments), segments);
        }
    }

    private static JsonNode? At(JsonObject node, string[] segments)
    {
        JsonNode? current = node;
        foreach (var segment in segments)
            current = current is JsonObject o && o.TryGetPropertyValue(segment, out var next) ? next : null;
        return current;
    }
}
