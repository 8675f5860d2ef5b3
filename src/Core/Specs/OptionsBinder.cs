using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Forge.Core.Errors;

namespace Forge.Core.Specs;

/// <summary>
/// Binds a JSON object to an options class and reports every problem with its JSON path: unknown fields (with the
/// known ones and the closest match), values of the wrong type (with what is allowed) and values that break the
/// class's <see cref="System.ComponentModel.DataAnnotations"/> rules. Nested options classes are bound recursively.
/// </summary>
public static class OptionsBinder
{
    /// <summary>Binds <paramref name="json"/> (null binds the defaults) to a new <paramref name="type"/>; problems are appended.</summary>
    public static object Bind(JsonObject? json, Type type, string path, List<SpecProblem> problems, IReadOnlyCollection<string>? ignoredFields = null)
    {
        var typeInfo = SpecJson.Options.GetTypeInfo(type);
        var instance = typeInfo.CreateObject?.Invoke() ?? throw new InvalidOperationException($"{type} has no parameterless constructor.");
        var fields = typeInfo.Properties.Where(p => p.Set is not null).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        int before = problems.Count;

        foreach (var (name, value) in json ?? new JsonObject())
        {
            if (ignoredFields?.Contains(name) == true)
                continue;
            var fieldPath = Join(path, name);
            if (!fields.TryGetValue(name, out var field))
            {
                problems.Add(new SpecProblem(fieldPath, UnknownFieldMessage(name, fields.Keys)));
                continue;
            }
            if (IsOptionsClass(field.PropertyType) && value is JsonObject nested)
            {
                int nestedBefore = problems.Count;
                field.Set!(instance, Bind(nested, field.PropertyType, fieldPath, problems));
                if (problems.Count > nestedBefore)
                    rejected.Add(field.Name);
                continue;
            }
            if (TryConvert(value, field.PropertyType, out var converted))
                field.Set!(instance, converted);
            else
            {
                problems.Add(new SpecProblem(fieldPath, $"{Describe(value)} is not allowed here; expected {DescribeType(field.PropertyType)}."));
                rejected.Add(field.Name);
            }
        }

        Validate(instance, typeInfo, path, problems, rejected, checkObject: problems.Count == before);
        return instance;
    }

    /// <summary>The JSON names of the fields a spec may set on <paramref name="type"/>.</summary>
    public static IReadOnlyList<string> FieldNames(Type type) =>
        SpecJson.Options.GetTypeInfo(type).Properties.Where(p => p.Set is not null).Select(p => p.Name).ToList();

    /// <summary>The message for a field the options class does not have.</summary>
    public static string UnknownFieldMessage(string name, IEnumerable<string> known)
    {
        var knownList = known.Order(StringComparer.Ordinal).ToList();
        var list = knownList.Count == 0 ? "this section takes no other fields" : "known fields: " + string.Join(", ", knownList);
        return $"unknown field '{name}'; {ClosestName.Hint(name, knownList)}{list}.";
    }

    public static bool IsOptionsClass(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(JsonNode).IsAssignableFrom(type) &&
        !typeof(IEnumerable).IsAssignableFrom(type) && type.GetConstructor(Type.EmptyTypes) is not null;

    private static bool TryConvert(JsonNode? value, Type type, out object? converted)
    {
        converted = null;
        if (value is null)
            return !type.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        try
        {
            converted = value.Deserialize(type, SpecJson.Options);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or OverflowException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks the attribute rules of every field whose value was accepted (<paramref name="rejected"/> already have a
    /// problem) and, when <paramref name="checkObject"/>, the cross-field rules of <see cref="IValidatableObject"/>.
    /// </summary>
    private static void Validate(object instance, JsonTypeInfo typeInfo, string path, List<SpecProblem> problems, HashSet<string> rejected, bool checkObject)
    {
        foreach (var field in typeInfo.Properties)
        {
            if (field.AttributeProvider is not PropertyInfo property || rejected.Contains(field.Name))
                continue;
            var value = property.GetValue(instance);
            foreach (var rule in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (!rule.IsValid(value))
                    problems.Add(new SpecProblem(Join(path, field.Name), RuleMessage(rule, value)));
            }
        }
        if (checkObject && instance is IValidatableObject validatable)
        {
            var names = typeInfo.Properties.Where(p => p.AttributeProvider is PropertyInfo)
                .ToDictionary(p => ((PropertyInfo)p.AttributeProvider!).Name, p => p.Name);
            List<ValidationResult> results;
            try
            {
                results = validatable.Validate(new ValidationContext(instance)).ToList();
            }
            catch (Exception e)
            {
                // A plugin's own check crashed on an unusual value: report it against the section, never as a crash.
                problems.Add(new SpecProblem(path, $"could not be checked: {instance.GetType().Name}.Validate threw {e.GetType().Name} ({e.Message}); check the values in this section."));
                return;
            }
            foreach (var result in results)
            {
                var member = result.MemberNames.FirstOrDefault();
                var fieldPath = member is not null && names.TryGetValue(member, out var jsonName) ? Join(path, jsonName) : path;
                problems.Add(new SpecProblem(fieldPath, result.ErrorMessage ?? "is not valid."));
            }
        }
    }

    private static string RuleMessage(ValidationAttribute rule, object? value) => rule switch
    {
        RequiredAttribute => "is required.",
        RangeAttribute range => $"is {Describe(value)}, but must be {DescribeRange(range)}.",
        RegularExpressionAttribute regex => $"is {Describe(value)}, but {regex.ErrorMessage ?? $"must match {regex.Pattern}"}.",
        _ => rule.FormatErrorMessage("value"),
    };

    public static string DescribeRange(RangeAttribute range)
    {
        bool unbounded = range.Maximum is double.MaxValue or int.MaxValue or long.MaxValue;
        string lower = (range.MinimumIsExclusive ? "> " : ">= ") + Format(range.Minimum);
        if (unbounded)
            return lower;
        string upper = (range.MaximumIsExclusive ? "< " : "<= ") + Format(range.Maximum);
        return $"{lower} and {upper}";
    }

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture)!;

    public static string DescribeType(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
            return DescribeType(underlying) + " or null";
        if (type.IsEnum)
            return "one of " + string.Join(", ", Enum.GetValues(type).Cast<object>().Select(v => $"\"{SpecJson.EnumName(v)}\""));
        if (type == typeof(int) || type == typeof(long))
            return "an integer";
        if (type == typeof(double) || type == typeof(float))
            return "a number";
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(string))
            return "a string";
        if (typeof(JsonObject).IsAssignableFrom(type) || IsOptionsClass(type) || typeof(IDictionary).IsAssignableFrom(type))
            return "an object";
        if (typeof(IEnumerable).IsAssignableFrom(type))
            return "an array";
        return type.Name;
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        JsonNode node => node.ToJsonString(),
        string s => $"\"{s}\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Join(string path, string name) => string.IsNullOrEmpty(path) ? name : $"{path}.{name}";
}
