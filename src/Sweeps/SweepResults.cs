using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Forge.Core.Plots;
using Forge.Core.Runs;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>One trial's outcome, read from its run folder.</summary>
public sealed record TrialResult(
    string Id, TrialState State, IReadOnlyDictionary<string, string> Values, double? LearningRate,
    double? FinalTrainLoss, double? BestTrainLoss, double? FinalEvalLoss, double? BestEvalLoss, double? MeanTrainLoss, bool Diverged, double? WallSeconds,
    IReadOnlyList<(int Step, double Loss)> Curve, string? Stage = null, int Steps = 0, int? Rung = null, string? SameAs = null,
    double? FinalEvalAccuracy = null, double? BestEvalAccuracy = null)
{
    public double? Metric(SweepMetric metric) => metric switch
    {
        SweepMetric.FinalEvalLoss => FinalEvalLoss,
        SweepMetric.BestEvalLoss => BestEvalLoss,
        SweepMetric.FinalTrainLoss => FinalTrainLoss,
        SweepMetric.FinalEvalAccuracy => FinalEvalAccuracy,
        SweepMetric.BestEvalAccuracy => BestEvalAccuracy,
        _ => MeanTrainLoss,
    };

    /// <summary>
    /// <see cref="Metric"/> as a score where lower is better, what trials are ranked by: the loss itself, or for an
    /// accuracy the error rate, 1 − accuracy.
    /// </summary>
    public double? Score(SweepMetric metric) => Metric(metric) is { } value && metric.HigherIsBetter() ? 1 - value : Metric(metric);
}

/// <summary>Collects every trial's summary and metrics, and writes <c>results.csv</c>.</summary>
public static class SweepResults
{
    public const string CsvFile = "results.csv";

    public static IReadOnlyList<TrialResult> Collect(string folder, SweepState state, int lastSteps) =>
        state.Trials.Select(t => Of(folder, t, lastSteps)).ToList();

    /// <summary>One trial's outcome, from its run folder in the sweep folder <paramref name="folder"/>.</summary>
    public static TrialResult Of(string folder, TrialRecord trial, int lastSteps)
    {
        var runFolder = Path.Combine(folder, trial.RunFolder);
        var values = trial.Overrides.Select(o => o.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
        var summary = ReadJson(Path.Combine(runFolder, RunFolder.SummaryFile));
        var spec = ReadJson(Path.Combine(runFolder, RunFolder.SpecFile));
        var curve = ReadCurve(Path.Combine(runFolder, RunFolder.MetricsFile));
        int steps = summary?["steps"]?.GetValue<int>() ?? 0;
        var tail = curve.Where(p => p.Step > steps - lastSteps).Select(p => p.Loss).ToList();
        return new TrialResult(
            trial.Id, trial.State, values,
            Number(spec?["optimizer"]?["lr"]),
            Number(summary?["finalTrainLoss"]), curve.Count > 0 ? curve.Min(p => p.Loss) : null,
            Number(summary?["finalEvalLoss"]), Number(summary?["bestEvalLoss"]),
            tail.Count > 0 && tail.All(double.IsFinite) ? tail.Average() : null,
            summary?["status"]?.GetValue<string>() == "diverged",
            trial.WallSeconds, curve, trial.Stage, steps, trial.Rung, trial.SameAs,
            Number(summary?["finalEvalAccuracy"]), Number(summary?["bestEvalAccuracy"]));
    }

    public static string Csv(IReadOnlyList<TrialResult> results, IReadOnlyList<string> sweptPaths, int lastSteps)
    {
        var csv = new StringBuilder("trial,state," + string.Join(",", sweptPaths) +
                                    $",learning_rate,final_train_loss,best_train_loss,final_eval_loss,best_eval_loss,mean_train_loss_last_{lastSteps},final_eval_accuracy,best_eval_accuracy,diverged,wall_seconds,stage,rung,steps,same_as\n");
        foreach (var r in results)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.Id},{SpecJson.EnumName(r.State)},");
            csv.Append(string.Join(",", sweptPaths.Select(p => Quote(r.Values.GetValueOrDefault(p, "")))));
            csv.Append(CultureInfo.InvariantCulture,
                $",{F(r.LearningRate)},{F(r.FinalTrainLoss)},{F(r.BestTrainLoss)},{F(r.FinalEvalLoss)},{F(r.BestEvalLoss)},{F(r.MeanTrainLoss)},{F(r.FinalEvalAccuracy)},{F(r.BestEvalAccuracy)},{r.Diverged.ToString().ToLowerInvariant()},{F(r.WallSeconds)},{r.Stage},{r.Rung},{r.Steps},{r.SameAs}\n");
        }
        return csv.ToString();
    }

    /// <summary>What a sweep spent: trials that trained (not those that were the same as an earlier one), their updates and their wall time, in one line.</summary>
    public static string Compute(IReadOnlyList<TrialResult> results)
    {
        var ran = results.Where(r => r.Steps > 0 && r.SameAs is null).ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"compute: {ran.Count} trials trained {ran.Sum(r => (long)r.Steps):N0} steps in {ran.Sum(r => r.WallSeconds ?? 0):F1} s of trial wall time");
    }

    public const string StagesFile = "stages.csv";

    /// <summary><c>stages.csv</c>: <see cref="IndependentSearch.StageWinners"/> as <c>stage,parameter,trial,metric,overrides</c> lines.</summary>
    public static string StagesCsv(IReadOnlyList<(string Stage, string Parameter, TrialResult Winner)> winners, SweepMetric metric)
    {
        var csv = new StringBuilder($"stage,parameter,trial,{SpecJson.EnumName(metric)},overrides\n");
        foreach (var (stage, parameter, winner) in winners)
            csv.Append(CultureInfo.InvariantCulture, $"{stage},{parameter},{winner.Id},{F(winner.Metric(metric))},{Quote(string.Join(" ", winner.Values.Select(v => $"{v.Key}={v.Value}")))}\n");
        return csv.ToString();
    }

    private static string F(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Quote(string value) => value.Contains(',') || value.Contains('"') ? $"\"{value.Replace("\"", "\"\"")}\"" : value;

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;

    private static JsonNode? ReadJson(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;

    private static List<(int Step, double Loss)> ReadCurve(string path) =>
        File.Exists(path) ? RunCurves.Parse(path, File.ReadLines(path)).Train : new();
}
