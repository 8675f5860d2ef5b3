using System.Globalization;
using System.Text.Json.Nodes;

namespace Forge.Host.Sweeps;

/// <summary>One trial: its id and the <c>path=value</c> overrides that make it (applied after the command line's).</summary>
internal sealed record TrialPlan(string Id, IReadOnlyList<string> Overrides);

/// <summary>
/// Expands a <see cref="SweepOptions"/> into trials: the grid's cartesian product (parameters in the order written)
/// or <c>trials</c> random draws; then, when a temperature rule is set and a trial's batch size differs from the
/// reference, adds the learning rate that keeps lr/B (linear) or lr/√B (sqrt) fixed.
/// </summary>
internal static class SweepPlan
{
    public static IReadOnlyList<TrialPlan> Expand(SweepOptions sweep, double baseLearningRate, int baseBatchSize)
    {
        var combinations = sweep.Method == SweepMethod.Grid ? Grid(sweep) : Random(sweep);
        return combinations.Select((values, i) =>
        {
            var overrides = values.Select(v => $"{v.Path}={v.Value.ToJsonString()}").ToList();
            if (TemperatureLearningRate(sweep.Temperature, values, baseLearningRate, baseBatchSize) is { } lr)
                overrides.Add(string.Create(CultureInfo.InvariantCulture, $"optimizer.lr={lr:R}"));
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

    private static double? TemperatureLearningRate(TemperatureOptions temperature, List<(string Path, JsonNode Value)> values, double baseLearningRate, int baseBatchSize)
    {
        if (temperature.Rule == TemperatureRule.None)
            return null;
        double lr = values.FirstOrDefault(v => v.Path == "optimizer.lr").Value?.GetValue<double>() ?? baseLearningRate;
        double batch = values.FirstOrDefault(v => v.Path == "training.batchSize").Value?.GetValue<double>() ?? baseBatchSize;
        double ratio = batch / temperature.ReferenceBatchSize;
        return temperature.Rule == TemperatureRule.Linear ? lr * ratio : lr * Math.Sqrt(ratio);
    }
}
