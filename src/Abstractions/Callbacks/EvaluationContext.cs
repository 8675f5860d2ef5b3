namespace Forge.Abstractions.Callbacks;

/// <summary>What a callback gets at an evaluation.</summary>
public sealed class EvaluationContext
{
    private readonly Func<double> _evaluate;
    private readonly Action<string, double> _report;

    /// <summary>Created by the host for each callback at each evaluation.</summary>
    /// <param name="step">The update after which the evaluation ran.</param>
    /// <param name="evalLoss">The held-out loss of the model as trained.</param>
    /// <param name="evaluate">Measures the held-out loss of the model as its weights are at the moment of the call.</param>
    /// <param name="report">Records a value beside the step's other values.</param>
    public EvaluationContext(int step, double evalLoss, Func<double> evaluate, Action<string, double> report)
    {
        Step = step;
        EvalLoss = evalLoss;
        _evaluate = evaluate;
        _report = report;
    }

    /// <summary>The update after which the evaluation ran (1-based).</summary>
    public int Step { get; }

    /// <summary>The held-out loss of the model as trained, on the dataset's evaluation batches.</summary>
    public double EvalLoss { get; }

    /// <summary>
    /// The held-out loss, on the same batches, of the model with its weights as they are now: a callback that swaps
    /// other weights in (an average, say) measures them with this, then puts the trained weights back exactly.
    /// </summary>
    public double Evaluate() => _evaluate();

    /// <summary>
    /// Records <paramref name="value"/> as <paramref name="name"/> (camelCase, e.g. <c>emaEvalLoss</c>) in this step's
    /// line of <c>metrics.jsonl</c>, beside <c>evalLoss</c>, and keeps the last value of each name in
    /// <c>summary.json</c>. A name Forge already writes (<c>loss</c>, <c>evalLoss</c>, ...) is refused.
    /// </summary>
    public void Report(string name, double value) => _report(name, value);
}
