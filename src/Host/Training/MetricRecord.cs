namespace Forge.Host.Training;

/// <summary>One line of <c>metrics.jsonl</c>: the state after <see cref="Step"/> updates.</summary>
internal sealed record MetricRecord
{
    public required int Step { get; init; }
    public required double Loss { get; init; }
    public required double Lr { get; init; }
    public required double GradNorm { get; init; }
    public required double ExamplesPerSecond { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? EvalLoss { get; init; }
    public required double ElapsedSeconds { get; init; }
}
