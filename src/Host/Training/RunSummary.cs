namespace Forge.Host.Training;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    Completed,
    Diverged,
    Interrupted,
    Failed,
}

/// <summary>The content of <c>summary.json</c>.</summary>
internal sealed record RunSummary
{
    public required string Name { get; init; }
    public required RunStatus Status { get; init; }
    public string? Error { get; init; }
    public required int Steps { get; init; }
    public required int PlannedSteps { get; init; }
    public double? InitialEvalLoss { get; init; }
    public double? FinalTrainLoss { get; init; }
    public double? FinalEvalLoss { get; init; }
    public double? BestEvalLoss { get; init; }
    public int? BestEvalStep { get; init; }
    public required double WallSeconds { get; init; }
    public long? Parameters { get; init; }
    public required string Device { get; init; }
    public required long Seed { get; init; }
    public required IReadOnlyList<string> Overrides { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Under a rounding precision policy (fp8): saturation and underflow at the last logged step.</summary>
    public RoundingSummary? Rounding { get; init; }
}
