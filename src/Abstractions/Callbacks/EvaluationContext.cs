using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Abstractions.Callbacks;

/// <summary>What a callback gets at an evaluation.</summary>
public sealed class EvaluationContext
{
    private readonly IReadOnlyList<ScaledParameter> _parameters;
    private readonly Func<double> _evaluate;
    private readonly Action<string, double> _report;

    /// <summary>Created by the host for each callback at each evaluation.</summary>
    /// <param name="step">The update after which the evaluation ran.</param>
    /// <param name="evalLoss">The held-out loss of the model as trained.</param>
    /// <param name="parameters">The model's trainable tensors, as <see cref="RunStartContext.Parameters"/> gives them.</param>
    /// <param name="evaluate">Measures the held-out loss of the model as its weights are at the moment of the call.</param>
    /// <param name="report">Records a value beside the step's other values.</param>
    public EvaluationContext(int step, double evalLoss, IReadOnlyList<ScaledParameter> parameters, Func<double> evaluate, Action<string, double> report)
    {
        Step = step;
        EvalLoss = evalLoss;
        _parameters = parameters;
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
    /// The held-out loss, on the same batches, of the model with <paramref name="weights"/> (by tensor name, as
    /// <see cref="RunStartContext.Parameters"/> names them; tensors not named keep their trained values) in place of the
    /// trained weights, which are put back exactly afterwards, whatever happens: how an averaging callback measures its
    /// average.
    /// </summary>
    public double EvaluateWith(IReadOnlyDictionary<string, torch.Tensor> weights)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var swapped = _parameters.Where(p => weights.ContainsKey(p.Descriptor.Name)).ToList();
        var trained = swapped.Select(p => p.Value.detach().clone()).ToList();
        try
        {
            foreach (var parameter in swapped)
                parameter.Value.detach().copy_(weights[parameter.Descriptor.Name]);
            return _evaluate();
        }
        finally
        {
            for (int i = 0; i < swapped.Count; i++)
                swapped[i].Value.detach().copy_(trained[i]); // exactly the trained weights again
        }
    }

    /// <summary>
    /// Records <paramref name="value"/> as <paramref name="name"/> (camelCase, e.g. <c>emaEvalLoss</c>) in this step's
    /// line of <c>metrics.jsonl</c>, beside <c>evalLoss</c>, and keeps the last value of each name in
    /// <c>summary.json</c>. A name Forge already writes (<c>loss</c>, <c>evalLoss</c>, ...) is refused.
    /// </summary>
    public void Report(string name, double value) => _report(name, value);
}
