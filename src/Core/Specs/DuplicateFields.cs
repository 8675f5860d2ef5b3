using System.Text;
using System.Text.Json;

namespace Forge.Core.Specs;

/// <summary>
/// Finds a field given twice in one JSON object (<c>{"name": "a", "name": "b"}</c>), which a spec refuses because it
/// would be ambiguous which one counts: its path (<c>model.name</c>) and line.
/// </summary>
public static class DuplicateFields
{
    /// <summary>The first duplicate in <paramref name="json"/>, or null when there is none (or the text does not parse that far).</summary>
    public static (string Path, int Line)? First(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var scopes = new Stack<(string Path, HashSet<string>? Names, int Index)>();
        string? pending = null; // the property whose value comes next
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var path = Child(scopes, pending);
                        scopes.Push((path, reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null, 0));
                        pending = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        scopes.Pop();
                        Advance(scopes);
                        break;
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        if (scopes.Count > 0 && scopes.Peek().Names is { } names && !names.Add(name))
                            return (Join(scopes.Peek().Path, name), Line(bytes, (int)reader.TokenStartIndex));
                        pending = name;
                        break;
                    default: // a value
                        pending = null;
                        Advance(scopes);
                        break;
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static string Child(Stack<(string Path, HashSet<string>? Names, int Index)> scopes, string? property) =>
        scopes.Count == 0 ? "" : property is not null ? Join(scopes.Peek().Path, property) : $"{scopes.Peek().Path}[{scopes.Peek().Index}]";

    /// <summary>Counts an array element done (for the path of the next one).</summary>
    private static void Advance(Stack<(string Path, HashSet<string>? Names, int Index)> scopes)
    {
        if (scopes.Count > 0 && scopes.Peek().Names is null)
        {
            var (path, names, index) = scopes.Pop();
            scopes.Push((path, names, index + 1));
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static int Line(byte[] bytes, int offset) => 1 + bytes.AsSpan(0, offset).Count((byte)'\n');
}
