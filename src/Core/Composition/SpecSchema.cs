using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>
/// Generates the JSON Schema of experiment specs from the options types: the top level and <c>training</c> from
/// <see cref="ExperimentSpec"/>, each plugin section as a <c>oneOf</c> keyed by the plugin's <c>name</c> with that
/// plugin's options. Descriptions and ranges come from the same attributes validation uses.
/// </summary>
public static class SpecSchema
{
    public const string Draft = "https://json-schema.org/draft/2020-12/schema";

    public static JsonObject Generate(PluginCatalog catalog)
    {
        var schema = Export(typeof(ExperimentSpec));
        schema.Insert(0, "$schema", Draft);
        schema.Insert(1, "title", "Forge experiment spec");
        var properties = (JsonObject)schema["properties"]!;
        properties.Insert(0, SpecSections.SchemaField, new JsonObject { ["description"] = "Path or URL of the JSON Schema, for editors.", ["type"] = "string" });
        properties.Insert(1, SpecComposition.ExtendsField, new JsonObject
        {
            ["description"] = "A spec this one extends (a path relative to this file): this file is merged over it as a JSON merge patch (RFC 7396; null deletes a field).",
            ["type"] = "string",
        });
        foreach (var (name, property) in ((JsonObject)Export(typeof(RunSettings))["properties"]!).ToList())
            properties[name] = property!.DeepClone(); // the run settings sit beside the experiment's fields at the top level
        foreach (var family in PluginFamily.All)
        {
            if (family == PluginFamily.Callback)
            {
                properties[family.Section] = new JsonObject
                {
                    ["description"] = typeof(ExperimentSpec).GetProperty(nameof(ExperimentSpec.Callbacks))?.GetCustomAttribute<DescriptionAttribute>()?.Description,
                    ["type"] = "array",
                    ["items"] = PluginSection(catalog, family, null),
                };
                continue;
            }
            var description = (properties[family.Section] as JsonObject)?["description"]?.GetValue<string>()
                              ?? typeof(ExperimentSpec).GetProperty(char.ToUpperInvariant(family.Section[0]) + family.Section[1..])
                                  ?.GetCustomAttribute<DescriptionAttribute>()?.Description;
            var section = PluginSection(catalog, family, description);
            properties[family.Section] = family == PluginFamily.Precision
                ? new JsonObject
                {
                    ["description"] = description,
                    ["anyOf"] = new JsonArray(
                        new JsonObject { ["enum"] = new JsonArray(catalog.Family(family).Select(p => (JsonNode)JsonValue.Create(p.Name)!).ToArray()) },
                        section),
                }
                : section;
        }
        properties["plugins"] = new JsonObject
        {
            ["description"] = properties["plugins"]?["description"]?.DeepClone(),
            ["type"] = "array",
            ["items"] = new JsonObject
            {
                ["anyOf"] = new JsonArray(
                    new JsonObject { ["type"] = "string" },
                    new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "string" }, ["sha256"] = new JsonObject { ["type"] = "string", ["pattern"] = "^[0-9a-fA-F]{64}$" } },
                        ["required"] = new JsonArray("path"),
                        ["additionalProperties"] = false,
                    }),
            },
        };
        var checkpoint = properties["checkpoint"]!.DeepClone();
        properties["checkpoint"] = new JsonObject
        {
            ["description"] = checkpoint["description"]?.DeepClone(),
            ["anyOf"] = new JsonArray(new JsonObject { ["const"] = "none" }, checkpoint),
        };
        // A spec that extends another may leave these to its base (its plugin sections still name their plugin).
        schema["if"] = new JsonObject { ["required"] = new JsonArray(SpecComposition.ExtendsField) };
        schema["else"] = new JsonObject { ["required"] = new JsonArray("model", "data", "optimizer") };
        return schema;
    }

    private static JsonObject PluginSection(PluginCatalog catalog, PluginFamily family, string? description)
    {
        var plugins = catalog.Family(family).ToList();
        var choices = new JsonArray();
        foreach (var plugin in plugins)
        {
            var choice = plugin.OptionsType is null
                ? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject(), ["additionalProperties"] = false }
                : Export(plugin.OptionsType);
            var props = (JsonObject)choice["properties"]!;
            props.Insert(0, "name", new JsonObject { ["const"] = plugin.Name, ["description"] = plugin.Description });
            choice.Remove("$schema");
            choices.Add(choice);
        }
        var section = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["name"] = new JsonObject { ["enum"] = new JsonArray(plugins.Select(p => (JsonNode)JsonValue.Create(p.Name)!).ToArray()) },
            },
            ["required"] = new JsonArray("name"),
            ["oneOf"] = choices,
        };
        if (description is not null)
            section.Insert(0, "description", description);
        return section;
    }

    /// <summary>The JSON Schema of one plugin's options (its spec section besides <c>name</c>).</summary>
    public static JsonObject OptionsSchema(Type optionsType) => Export(optionsType);

    private static JsonObject Export(Type type)
    {
        var exporterOptions = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = Annotate,
        };
        return (JsonObject)SettableFields.GetJsonSchemaAsNode(type, exporterOptions);
    }

    /// <summary>
    /// The spec's JSON conventions without the properties a spec cannot set (get-only ones such as a value computed
    /// from others), which serialization would otherwise list: the schema holds exactly what the binder accepts.
    /// </summary>
    private static readonly JsonSerializerOptions SettableFields = new(SpecJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers =
            {
                info =>
                {
                    if (info.Kind != JsonTypeInfoKind.Object)
                        return;
                    foreach (var property in info.Properties.Where(p => p.Set is null).ToList())
                        info.Properties.Remove(property);
                },
            },
        },
    };

    private static JsonNode Annotate(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (schema is not JsonObject node)
            return schema;
        if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && context.TypeInfo.Type != typeof(JsonObject))
            node["additionalProperties"] = false;
        if (context.PropertyInfo?.AttributeProvider is not PropertyInfo property)
            return node;
        if (property.GetCustomAttribute<DescriptionAttribute>() is { } description)
            node.Insert(0, "description", description.Description);
        if (property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            node[range.MinimumIsExclusive ? "exclusiveMinimum" : "minimum"] = JsonValue.Create(Convert.ToDouble(range.Minimum));
            if (range.Maximum is not (double.MaxValue or int.MaxValue or long.MaxValue))
                node[range.MaximumIsExclusive ? "exclusiveMaximum" : "maximum"] = JsonValue.Create(Convert.ToDouble(range.Maximum));
        }
        if (property.GetCustomAttribute<RegularExpressionAttribute>() is { } regex)
            node["pattern"] = regex.Pattern;
        return node;
    }
}
