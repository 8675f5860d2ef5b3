using Forge.Abstractions.Precision;

namespace Forge.Core.Training.Observers;

/// <summary>
/// Under a precision policy that rounds to a narrow format (fp8): switches its counting on for logged steps only
/// (counting reads values back), collects the counts after each logged update, adds them to its record (totals and per
/// tensor) and keeps the last non-empty step's summary for <c>summary.json</c>.
/// </summary>
public sealed class RoundingObserver(IRoundingStatistics rounding) : ITrainingObserver, IMetricsContributor
{
    private IReadOnlyList<RoundingCount>? _counts;
    private RoundingSummary? _summary;

    /// <summary>What the policy did at the last logged step that rounded anything.</summary>
    public RoundingSummary? Last { get; private set; }

    public void StepStarting(StepPlan plan) => rounding.Counting = plan.Logged;

    public void UpdateApplied(LoopState state, StepPlan plan, StepResult result)
    {
        if (!plan.Logged)
            return;
        _counts = rounding.Collect();
        _summary = RoundingSummary.From(plan.Step, _counts);
        rounding.Counting = false;
        if (_counts.Count > 0)
            Last = _summary;
    }

    public MetricRecord Contribute(MetricRecord record, LoggedStepContext context) =>
        _summary is null ? record : record with { Saturated = _summary.Saturated, Underflowed = _summary.Underflowed, Rounding = _counts };
}
