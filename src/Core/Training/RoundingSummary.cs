using System.Globalization;
using Forge.Abstractions.Precision;

namespace Forge.Core.Training;

/// <summary>One tensor's share of values that saturated or underflowed.</summary>
public sealed record RoundingShare(string Tensor, string Format, double SaturatedFraction, double UnderflowedFraction);

/// <summary>
/// What a rounding precision policy (fp8) did at the last logged step, for <c>summary.json</c> and the end-of-run
/// line: totals and the tensors with the largest share of saturated or underflowed values.
/// </summary>
public sealed record RoundingSummary(int Step, long Values, long Saturated, long Underflowed, IReadOnlyList<RoundingShare> Worst)
{
    public static RoundingSummary From(int step, IReadOnlyList<RoundingCount> counts) => new(
        step,
        counts.Sum(c => c.Elements),
        counts.Sum(c => c.Saturated),
        counts.Sum(c => c.Underflowed),
        counts.Where(c => c.Elements > 0 && c.Saturated + c.Underflowed > 0)
            .Select(c => new RoundingShare(c.Tensor, c.Format, (double)c.Saturated / c.Elements, (double)c.Underflowed / c.Elements))
            .OrderByDescending(s => s.SaturatedFraction + s.UnderflowedFraction)
            .Take(5)
            .ToList());

    /// <summary>
    /// One line for the console, e.g. "rounding at step 800: 3.67% of 4,194,304 rounded values underflowed to zero, none
    /// saturated; worst readout.grad (E5M2): 18.8% underflowed, 0.0% saturated (per-tensor counts in metrics.jsonl)".
    /// </summary>
    public string Describe()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"rounding at step {Step}: {Percent(Underflowed)} of {Values:N0} rounded values underflowed to zero, {(Saturated == 0 ? "none" : Percent(Saturated))} saturated");
        if (Worst.Count == 0)
            return text;
        var worst = Worst[0];
        return text + string.Create(CultureInfo.InvariantCulture,
            $"; worst {worst.Tensor} ({worst.Format}): {worst.UnderflowedFraction:P1} underflowed, {worst.SaturatedFraction:P1} saturated (per-tensor counts in metrics.jsonl)");
    }

    private string Percent(long count) => Values == 0 ? "0%" : ((double)count / Values).ToString("P2", CultureInfo.InvariantCulture);
}
