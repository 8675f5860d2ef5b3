using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Plugins;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Samples.Swa;

/// <summary>
/// <c>swa</c>, a third-party callback: stochastic weight averaging (Izmailov, Podoprikhin, Garipov, Vetrov &amp;
/// Wilson 2018, "Averaging Weights Leads to Wider Optima and Better Generalization", Algorithm 1 with a constant
/// schedule): the equal-weight mean of the weights after updates <c>start</c>, <c>start + every</c>, ... At every
/// evaluation the mean is swapped in, its held-out loss reported as <c>swaEvalLoss</c>, and the trained weights put
/// back exactly. The mean and its count are kept in checkpoints, so a resumed run reports what an uninterrupted one does.
/// (No batch-norm statistics to recompute: Forge's models have none.)
/// </summary>
[ForgePlugin<SwaOptions>("swa", Description = "Stochastic weight averaging: the mean of the weights from a step on, evaluated (swaEvalLoss)")]
public sealed class SwaCallback(SwaOptions options) : ITrainingCallback, IDisposable
{
    private IReadOnlyList<(string Name, Parameter Weight)> _weights = Array.Empty<(string, Parameter)>();
    private Dictionary<string, Tensor>? _mean;
    private int _count;
    private int _lastStep;

    /// <inheritdoc />
    public void OnCheckpointLoad(CallbackState state)
    {
        _count = (int)(state.Number("count") ?? 0);
        _lastStep = (int)(state.Number("lastStep") ?? 0);
        DisposeMean();
        if (state.Tensors.Count == 0)
            return;
        // A resume: the weights are not known yet, so the mean waits on the CPU for OnRunStart. A rollback: the weights
        // are known, and the mean goes straight to their device.
        var device = _weights.Count > 0 ? _weights[0].Weight.device : CPU;
        using var noGrad = no_grad();
        _mean = state.Tensors.ToDictionary(p => p.Key, p => CopyTo(p.Value, device));
    }

    /// <summary>A tensor of this callback's own, equal to <paramref name="saved"/> (valid only during the call), on <paramref name="device"/>.</summary>
    private static Tensor CopyTo(Tensor saved, Device device)
    {
        var copy = saved.clone();
        var moved = copy.to(device);
        if (!ReferenceEquals(moved, copy))
            copy.Dispose();
        return moved.DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public void OnRunStart(RunStartContext context)
    {
        _weights = context.Parameters.Select(p => (p.Descriptor.Name, p.Value)).ToList();
        if (_mean is null || _weights.Count == 0)
            return;
        foreach (var name in _mean.Keys.ToList())
        {
            var loaded = _mean[name];
            var moved = loaded.to(_weights[0].Weight.device);
            if (!ReferenceEquals(moved, loaded))
            {
                _mean[name] = moved.DetachFromDisposeScope();
                loaded.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public void OnStepEnd(StepEndContext context) => Take(context.Step);

    /// <inheritdoc />
    public void OnEvaluation(EvaluationContext context)
    {
        Take(context.Step);
        if (_mean is not null) // before start nothing is averaged yet
            context.Report("swaEvalLoss", context.EvaluateWith(_mean));
    }

    /// <inheritdoc />
    public void OnCheckpointSave(CallbackState state)
    {
        state.SetNumber("count", _count);
        state.SetNumber("lastStep", _lastStep);
        foreach (var (name, mean) in _mean ?? new Dictionary<string, Tensor>())
            state.SetTensor(name, mean);
    }

    /// <summary>Adds update <paramref name="step"/>'s weights to the mean, once, when the schedule says so.</summary>
    private void Take(int step)
    {
        if (step <= _lastStep || step < options.Start || (step - options.Start) % options.Every != 0)
            return;
        _lastStep = step;
        using var scope = NewDisposeScope(); // the step's temporaries (w − mean)
        using var noGrad = no_grad();
        _count++;
        if (_mean is null)
        {
            _mean = _weights.ToDictionary(w => w.Name, w => w.Weight.detach().clone().DetachFromDisposeScope());
            return;
        }
        foreach (var (name, weight) in _weights)
            _mean[name].add_(weight.detach().sub(_mean[name]), alpha: 1.0 / _count); // mean += (w − mean) / n
    }

    /// <inheritdoc />
    public void Dispose() => DisposeMean();

    private void DisposeMean()
    {
        foreach (var mean in _mean?.Values ?? Enumerable.Empty<Tensor>())
            mean.Dispose();
        _mean = null;
    }
}
