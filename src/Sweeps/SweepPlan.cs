using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>One trial: its id and the <c>path=value</c> overrides that make it (applied after the command line's).</summary>
public sealed record TrialPlan(string Id, IReadOnlyList<string> Overrides);

/// <summary>
/// Expands a <see cref="SweepOptions"/> into trials: the grid's cartesian product (parameters in the order written)
/// or <c>trials</c> random draws; then, when a temperature rule is set and a trial's batch size differs from the
/// reference, adds the learning rate that keeps lr/B (linear) or lr/√B (sqrt) fixed, and with <c>keepSamples</c>
/// the step count that keeps the samples seen fixed. A trial may choose its own rule by sweeping the path
/// <c>sweep.temperature.rule</c> (e.g. values ["linear", "none"] to compare fixed temperature with fixed LR).
/// </summary>
public static class SweepPlan
{
    private const string RulePath = "sweep.temperature.rule";

    public static IReadOnlyList<TrialPlan> Expand(SweepOptions sweep, double baseLearningRate, int baseBatchSize, int baseSteps = 0)
    {
        var combinations = sweep.Method is SweepMethod.Grid or SweepMethod.Halving ? Grid(sweep) : Random(sweep);
        return combinations.Select((values, i) =>
        {
            var overrides = values.Select(v => $"{v.Path}={v.Value.ToJsonString()}").ToList();
            var temperature = sweep.Temperature;
            var rule = values.FirstOrDefault(v => v.Path == RulePath).Value is JsonValue chosen
                ? Enum.Parse<TemperatureRule>(chosen.GetValue<string>(), ignoreCase: true)
                : temperature.Rule;
            double batch = values.FirstOrDefault(v => v.Path == "training.batchSize").Value?.GetValue<double>() ?? baseBatchSize;
            double ratio = batch / temperature.ReferenceBatchSize;
            if (rule != TemperatureRule.None)
            {
                double lr = values.FirstOrDefault(v => v.Path == "optimizer.lr").Value?.GetValue<double>() ?? baseLearningRate;
                lr *= rule == TemperatureRule.Linear ? ratio : Math.Sqrt(ratio);
                overrides.Add(string.Create(CultureInfo.InvariantCulture, $"optimizer.lr={lr:R}"));
            }
            if (temperature.KeepSamples && baseSteps > 0)
                overrides.Add(string.Create(CultureInfo.InvariantCulture, $"training.steps={Math.Max(1, (int)Math.Round(baseSteps / ratio))}"));
            return new TrialPlan($"trial-{i:D3}", overrides);
        }).ToList();
    }

    /// <summary>The values a parameter takes on a grid (log2 ranges: 2^min, 2^(min+step), ... up to 2^max).</summary>
    public static IReadOnlyList<JsonNode> GridValues(SweepParameter parameter)
    {
        if (parameter.Values is { } values)
            return values.Select(v => v!.DeepClone()).ToList();
        var result = new List<JsonNode>();
        for (double k = parameter.Log2Min!.Value; k <= parameter.Log2Max!.Value + 1e-9; k += parameter.Log2Step)
            result.Add(JsonValue.Create(Math.Pow(2, k)));
        return result;
    }

    private static List<List<(string Path, JsonNode Value)>> Grid(SweepOptions sweep)
    {
        var combinations = new List<List<(string, JsonNode)>> { new() };
        foreach (var (path, parameter) in sweep.Parameters)
            combinations = combinations.SelectMany(c => GridValues(parameter).Select(v => c.Append((path, v.DeepClone())).ToList())).ToList();
        return combinations;
    }

    private static List<List<(string Path, JsonNode Value)>> Random(SweepOptions sweep)
    {
        var random = new Random(unchecked((int)sweep.Seed));
        return Enumerable.Range(0, sweep.Trials).Select(_ => sweep.Parameters.Select(p =>
        {
            var (path, parameter) = (p.Key, p.Value);
            JsonNode value = parameter.Values is { } values
                ? values[random.Next(values.Count)]!.DeepClone()
                : JsonValue.Create(Math.Pow(2, parameter.Log2Min!.Value + random.NextDouble() * (parameter.Log2Max!.Value - parameter.Log2Min.Value)));
            return (path, value);
        }).ToList()).ToList();
    }
}
