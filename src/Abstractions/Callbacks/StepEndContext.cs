namespace Forge.Abstractions.Callbacks;

/// <summary>What a callback gets after each applied update.</summary>
/// <param name="Step">The update just applied (1-based).</param>
/// <param name="TotalSteps">The planned number of updates.</param>
/// <param name="Logged">Whether this step's values were read back and written.</param>
/// <param name="Values">
/// On logged steps, the values written to <c>metrics.jsonl</c> by their names there: <c>loss</c>, <c>lr</c>,
/// <c>gradNorm</c>, <c>examplesPerSecond</c>, <c>tokensPerSecond</c> (language models), <c>evalLoss</c> (at
/// evaluations) and whatever callbacks reported; empty on other steps.
/// </param>
public sealed record StepEndContext(int Step, int TotalSteps, bool Logged, IReadOnlyDictionary<string, double> Values);
