using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Plugins;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Plugins.Callbacks;

/// <summary>
/// <c>ema</c>: an exponential moving average of the weights (Polyak &amp; Juditsky 1992; the "EMA of weights" of
/// modern training recipes), updated after every applied update, <c>average ← decay·average + (1 − decay)·weights</c>,
/// from <c>startStep</c> on (before it the average follows the weights). At every evaluation the average is swapped
/// in, its held-out loss measured on the same batches and reported as <c>emaEvalLoss</c>, and the trained weights put
/// back exactly, so training is unchanged. The average is part of every checkpoint, so a resumed run's
/// <c>emaEvalLoss</c> equals an uninterrupted one's bit for bit.
/// </summary>
[ForgePlugin<EmaOptions>("ema", Description = "Exponential moving average of the weights, evaluated beside them (emaEvalLoss)")]
public sealed class EmaCallback(EmaOptions options) : ITrainingCallback, IDisposable
{
    /// <summary>What <see cref="EvaluationContext.Report"/> calls the average's held-out loss.</summary>
    public const string EvalLossName = "emaEvalLoss";

    private const string StepName = "step";
    private IReadOnlyList<(string Name, Parameter Weight)> _weights = Array.Empty<(string, Parameter)>();
    private Dictionary<string, Tensor>? _averages;
    private int _averagedThrough;

    /// <summary>The average of each trainable tensor, by its name (null before the run starts).</summary>
    public IReadOnlyDictionary<string, Tensor>? Averages => _averages;

    public void OnCheckpointLoad(CallbackState state)
    {
        if (state.IsEmpty)
            return; // a checkpoint written without this callback: the average starts at the weights as they are (OnRunStart)
        _averages ??= new Dictionary<string, Tensor>();
        using var noGrad = no_grad();
        foreach (var (name, saved) in state.Tensors)
        {
            if (_averages.TryGetValue(name, out var average))
                average.copy_(saved); // a rollback: into the average where it is, on the weights' device
            else
                _averages[name] = saved.clone().DetachFromDisposeScope(); // a resume: on the CPU until OnRunStart
        }
        _averagedThrough = (int)(state.Number(StepName) ?? 0);
    }

    public void OnRunStart(RunStartContext context)
    {
        _weights = context.Parameters.Select(p => (p.Descriptor.Name, p.Value)).ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = _weights.Count > 0 ? _weights[0].Weight.device : CPU;
        if (_averages is null)
        {
            _averages = _weights.ToDictionary(w => w.Name, w => w.Weight.detach().clone().DetachFromDisposeScope());
            _averagedThrough = context.Step;
        }
        else
            foreach (var name in _averages.Keys.ToList())
            {
                var loaded = _averages[name]; // a loaded average sits on the CPU
                var moved = loaded.to(device);
                if (!ReferenceEquals(moved, loaded))
                {
                    _averages[name] = moved.DetachFromDisposeScope();
                    loaded.Dispose();
                }
            }
    }

    public void OnStepEnd(StepEndContext context) => Average(context.Step);

    public void OnEvaluation(EvaluationContext context)
    {
        Average(context.Step); // this update's weights are in the average before it is measured
        if (options.Evaluate && _averages is not null)
            context.Report(EvalLossName, context.EvaluateWith(_averages));
    }

    public void OnCheckpointSave(CallbackState state)
    {
        foreach (var (name, average) in _averages ?? new Dictionary<string, Tensor>())
            state.SetTensor(name, average);
        state.SetNumber(StepName, _averagedThrough);
    }

    /// <summary>Takes update <paramref name="step"/>'s weights into the average, once.</summary>
    private void Average(int step)
    {
        if (_averages is null || step <= _averagedThrough)
            return;
        _averagedThrough = step;
        using var scope = NewDisposeScope(); // the detached views of the weights
        using var noGrad = no_grad();
        double keep = step <= options.StartStep ? 0.0 : options.Decay;
        foreach (var (name, weight) in _weights)
            _averages[name].mul_(keep).add_(weight.detach(), alpha: 1 - keep);
    }

    public void Dispose()
    {
        foreach (var average in _averages?.Values ?? Enumerable.Empty<Tensor>())
            average.Dispose();
    }
}
