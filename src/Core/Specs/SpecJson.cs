using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Forge.Core.Specs;

/// <summary>The one set of JSON conventions for specs: camelCase fields, enum values as camelCase strings, strict numbers.</summary>
public static class SpecJson
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>For files Forge writes (summaries, metrics): like <see cref="Options"/> but a diverged loss is written as "NaN" / "Infinity" instead of failing.</summary>
    public static readonly JsonSerializerOptions OutputOptions = new(Options) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>How spec text is read: comments and trailing commas allowed, a field given twice in one object refused (it would be ambiguous).</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        AllowDuplicateProperties = false,
    };

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            NumberHandling = JsonNumberHandling.Strict,
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // files are read by people: keep < > ' " readable
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    /// <summary>The name a CLR enum value has in a spec.</summary>
    public static string EnumName(object value) => JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!);
}
