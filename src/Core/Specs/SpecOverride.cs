using System.Text.Json;
using System.Text.Json.Nodes;

namespace Forge.Core.Specs;

/// <summary>
/// A command-line override <c>--set path=value</c>, e.g. <c>optimizer.lr=0.01</c> or <c>model.width=256</c>.
/// The value is read as JSON when it parses (numbers, true/false, null, arrays, objects, quoted strings) and as a
/// plain string otherwise, so <c>model.activation=gelu</c> works without quotes.
/// </summary>
public sealed record SpecOverride(string Path, JsonNode? Value, string Text)
{
    public static SpecOverride Parse(string text)
    {
        int equals = text.IndexOf('=');
        if (equals <= 0)
            throw new FormatException($"--set '{text}' is not of the form path=value (for example --set optimizer.lr=0.01).");
        var path = text[..equals].Trim();
        var raw = text[(equals + 1)..];
        if (path.Split('.').Any(string.IsNullOrWhiteSpace))
            throw new FormatException($"--set '{text}': the path '{path}' has an empty part; write dotted field names such as training.batchSize.");
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(raw, documentOptions: SpecJson.DocumentOptions);
        }
        catch (JsonException)
        {
            if (DuplicateFields.First(raw) is { } duplicate)
                throw new FormatException($"--set '{text}': '{duplicate.Path}' is given twice in the value, so it is not clear which counts; keep one.");
            value = JsonValue.Create(raw);
        }
        return new SpecOverride(path, value, text);
    }

    /// <summary>Sets the value in <paramref name="document"/>, creating missing objects along the path.</summary>
    public void ApplyTo(JsonObject document)
    {
        var parts = Path.Split('.');
        JsonObject current = document;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var existing = current[parts[i]];
            if (existing is null)
            {
                var created = new JsonObject();
                current[parts[i]] = created;
                current = created;
            }
            else if (existing is JsonObject obj)
                current = obj;
            else
                throw new FormatException($"--set '{Text}': '{string.Join('.', parts[..(i + 1)])}' is {existing.ToJsonString()}, not an object, so it has no field '{parts[i + 1]}'.");
        }
        current[parts[^1]] = Value?.DeepClone();
    }
}
