using System.Globalization;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// u-μP's independent search (Blake et al. 2024, "u-μP: The Unit-Scaled Maximal Update Parametrization"): with a
/// parametrization whose hyperparameters interact little, one-dimensional sweeps stand in for the grid. Four stages, each planned from the
/// results of the one before:
/// <list type="number">
/// <item><c>lr</c>: the learning rate's values, every other parameter at the spec's value;</item>
/// <item><c>each</c>: every other parameter's values, one parameter at a time, at the best learning rate;</item>
/// <item><c>combined</c>: the best learning rate with the best value of each other parameter;</item>
/// <item><c>confirm</c>: the combination again at the spec's seed + 1, to see how much of its lead is the seed's.</item>
/// </list>
/// "Best" is the lowest sweep metric among the stage's trials that finished with a finite one.
/// </summary>
public static class IndependentSearch
{
    public const string LearningRatePath = "optimizer.lr";

    public const string LearningRateStage = "lr";
    public const string EachStage = "each";
    public const string CombinedStage = "combined";
    public const string ConfirmStage = "confirm";

    /// <summary>The stages in order.</summary>
    public static IReadOnlyList<string> Stages { get; } = new[] { LearningRateStage, EachStage, CombinedStage, ConfirmStage };

    /// <summary>The first stage: the learning rate alone.</summary>
    public static IReadOnlyList<TrialRecord> FirstStage(SweepOptions sweep) =>
        SweepPlan.GridValues(sweep.Parameters[LearningRatePath])
            .Select((v, i) => Trial(i, LearningRateStage, new[] { $"{LearningRatePath}={v.ToJsonString()}" }))
            .ToList();

    /// <summary>
    /// The trials of the stage after the last one in <paramref name="trials"/>, from <paramref name="results"/>; empty
    /// when the search is complete. A stage none of whose trials has a finite metric stops the search with an error.
    /// </summary>
    /// <param name="seed">The spec's seed; the confirmation runs at the next one.</param>
    public static IReadOnlyList<TrialRecord> NextStage(SweepOptions sweep, IReadOnlyList<TrialRecord> trials, IReadOnlyList<TrialResult> results, long seed)
    {
        string? last = trials.LastOrDefault()?.Stage;
        int next = trials.Count;
        var others = sweep.Parameters.Keys.Where(p => p != LearningRatePath).ToList();
        switch (last)
        {
            case LearningRateStage:
            {
                var lr = Winner(sweep, trials, results, LearningRateStage).Overrides;
                var each = others.SelectMany(path => SweepPlan.GridValues(sweep.Parameters[path]).Select(v => lr.Append($"{path}={v.ToJsonString()}").ToList())).ToList();
                if (each.Count > 0)
                    return each.Select((o, i) => Trial(next + i, EachStage, o)).ToList();
                return new[] { Trial(next, ConfirmStage, lr.Append(SeedOverride(seed)).ToList()) }; // nothing else to tune
            }
            case EachStage:
            {
                var combined = Winner(sweep, trials, results, LearningRateStage).Overrides.Take(1).ToList();
                foreach (var path in others)
                    combined.Add(Winner(sweep, trials, results, EachStage, path).Overrides.Last());
                return new[] { Trial(next, CombinedStage, combined) };
            }
            case CombinedStage:
                return new[] { Trial(next, ConfirmStage, trials.Last().Overrides.Append(SeedOverride(seed)).ToList()) };
            default:
                return Array.Empty<TrialRecord>();
        }
    }

    /// <summary>The stage's trial with the lowest metric (among those varying <paramref name="path"/>, when given).</summary>
    public static TrialRecord Winner(SweepOptions sweep, IReadOnlyList<TrialRecord> trials, IReadOnlyList<TrialResult> results, string stage, string? path = null)
    {
        if (Best(results, sweep.Metric, stage, path) is { } best)
            return trials.First(t => t.Id == best.Id);
        var candidates = results.Where(r => Varies(r, stage, path)).ToList();
        throw new RunSetupException(
            $"independent search: no trial of stage '{stage}'{(path is null ? "" : $" varying {path}")} finished with a finite {SpecJson.EnumName(sweep.Metric)} " +
            $"({candidates.Count} trial(s): {string.Join(", ", candidates.Select(c => $"{c.Id} {SpecJson.EnumName(c.State)}"))}), so the next stage has nothing to start from. " +
            "Widen or move the range (a learning rate that diverges everywhere is too large), then start the sweep again.");
    }

    /// <summary>
    /// The winners the search chose: per stage (and, in the <c>each</c> stage, per parameter) the finished trial with
    /// the lowest finite metric; stages not run yet are left out.
    /// </summary>
    public static IReadOnlyList<(string Stage, string Parameter, TrialResult Winner)> StageWinners(IReadOnlyList<TrialResult> results, SweepOptions sweep)
    {
        var winners = new List<(string, string, TrialResult)>();
        foreach (var stage in Stages)
        {
            var parameters = stage == EachStage ? sweep.Parameters.Keys.Where(p => p != LearningRatePath).Select(p => (string?)p)
                : new[] { (string?)null };
            foreach (var path in parameters)
                if (Best(results, sweep.Metric, stage, path) is { } winner)
                    winners.Add((stage, path ?? (stage == LearningRateStage ? LearningRatePath : ""), winner));
        }
        return winners;
    }

    /// <summary>The finished trial of <paramref name="stage"/> (varying <paramref name="path"/>, when given) with the lowest finite metric, if any.</summary>
    private static TrialResult? Best(IReadOnlyList<TrialResult> results, SweepMetric metric, string stage, string? path) =>
        results.Where(r => Varies(r, stage, path) && r.State == TrialState.Done && r.Score(metric) is { } m && double.IsFinite(m))
            .MinBy(r => r.Score(metric));

    private static bool Varies(TrialResult result, string stage, string? path) =>
        result.Stage == stage && (path is null || result.Values.ContainsKey(path));

    private static string SeedOverride(long seed) => string.Create(CultureInfo.InvariantCulture, $"seed={seed + 1}");

    private static TrialRecord Trial(int index, string stage, IReadOnlyList<string> overrides) =>
        new() { Id = $"trial-{index:D3}", Stage = stage, Overrides = overrides };
}
