using System.Globalization;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>The hyperparameters chosen from a proxy sweep.</summary>
/// <param name="Overrides">The winning setting's swept values, as <c>path=value</c> (seed and model width excluded).</param>
/// <param name="Metric">The setting's metric, averaged over its seeds.</param>
/// <param name="Trials">The trials of that setting.</param>
public sealed record TransferSelection(IReadOnlyList<string> Overrides, double Metric, IReadOnlyList<string> Trials)
{
    /// <summary>Paths that belong to the target, never transferred: its own width and seed.</summary>
    public static readonly string[] NotTransferred = { "seed", "model.width" };

    /// <summary>
    /// Groups the finished trials by their swept values other than the seed, averages the metric over seeds, and
    /// picks the lowest. Diverged and failed trials count as infinitely bad for their group. The transferred values
    /// are the group's, without <see cref="NotTransferred"/>. Of a successive-halving sweep only the trials of the
    /// highest rung reached compete (the others' metrics are of fewer updates).
    /// </summary>
    public static TransferSelection? Choose(IReadOnlyList<TrialResult> results, SweepMetric metric)
    {
        var best = TopRung(results)
            .GroupBy(r => string.Join("\n", r.Values.Where(v => v.Key != "seed").OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}")))
            .Select(g => (Group: g, Score: g.Average(r => r.State == TrialState.Done && !r.Diverged && r.Score(metric) is { } m && double.IsFinite(m) ? m : double.PositiveInfinity)))
            .Where(g => double.IsFinite(g.Score))
            .OrderBy(g => g.Score)
            .FirstOrDefault();
        if (best.Group is null)
            return null;
        var overrides = best.Group.First().Values.Where(v => !NotTransferred.Contains(v.Key)).Select(v => $"{v.Key}={v.Value}").ToList();
        return new TransferSelection(overrides, metric.HigherIsBetter() ? 1 - best.Score : best.Score, best.Group.Select(r => r.Id).ToList());
    }

    /// <summary>Of a successive-halving sweep, the trials of the highest rung any reached; otherwise all of them.</summary>
    public static IReadOnlyList<TrialResult> TopRung(IReadOnlyList<TrialResult> results)
    {
        var top = results.Where(r => r.State == TrialState.Done).Max(r => r.Rung);
        return top is null ? results : results.Where(r => r.Rung == top).ToList();
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{string.Join(" ", Overrides)} (metric {Metric:F4} over {Trials.Count} trial(s): {string.Join(", ", Trials)})");
}
