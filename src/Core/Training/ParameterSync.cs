using Forge.Core.Distributed;
using Forge.Core.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// Low-communication training (<c>training.sync</c>): every <c>every</c> steps the ranks' parameters — not their
/// gradients — are all-reduced into their mean. <c>average</c> takes the mean (local SGD); <c>nesterov</c> is DiLoCo's
/// outer step (Douillard et al. 2023): the outer gradient Δ = θ_last − mean is applied to the last synchronised
/// parameters θ_last by SGD with Nesterov momentum, m ← μ·m + Δ, θ ← θ_last − η_outer·(Δ + μ·m). Each rank keeps its
/// inner optimizer's state. A synchronisation sends the parameters once per rank (4 bytes each in float32) where
/// ordinary data parallelism sends the gradients every step.
/// </summary>
public sealed class ParameterSync : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly SyncOptions _options;
    private readonly Tensor[]? _anchor, _momentum;
    private readonly Scalar _ranks, _momentumFactor, _outerLr;
    private readonly FlatAllReduce _allReduce;

    public ParameterSync(IReadOnlyList<Parameter> parameters, ICollective collective, SyncOptions options)
    {
        _parameters = parameters;
        _allReduce = new FlatAllReduce(collective);
        _options = options;
        if (options.Outer == OuterUpdate.Nesterov)
        {
            using var _ = no_grad();
            _anchor = parameters.Select(p => p.detach().clone()).ToArray();
            _momentum = parameters.Select(p => zeros_like(p)).ToArray();
        }
        _ranks = ((double)collective.Size).ToScalar(); // held: Forge.Abstractions' HeldScalars says why
        _momentumFactor = options.OuterMomentum.ToScalar();
        _outerLr = options.OuterLr.ToScalar();
    }

    /// <summary>The parameters it synchronises, in order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Under <c>nesterov</c>: the parameters after the last synchronisation (θ_last), one per parameter; null under <c>average</c>.</summary>
    public IReadOnlyList<Tensor>? Anchor => _anchor;

    /// <summary>Under <c>nesterov</c>: the outer momentum m, one per parameter; null under <c>average</c>.</summary>
    public IReadOnlyList<Tensor>? Momentum => _momentum;

    /// <summary>
    /// Puts back the outer update's state of a resumed run: the anchor and momentum that <paramref name="anchorOf"/>
    /// and <paramref name="momentumOf"/> give for parameter i, or, where they give none, the parameters as they are
    /// now and no momentum.
    /// </summary>
    public void Restore(Func<int, Tensor?> anchorOf, Func<int, Tensor?> momentumOf)
    {
        if (_anchor is null)
            return;
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Count; i++)
        {
            _anchor[i].copy_(anchorOf(i) ?? _parameters[i]);
            if (momentumOf(i) is { } momentum)
                _momentum![i].copy_(momentum);
            else
                _momentum![i].zero_();
        }
    }

    /// <summary>Whether the parameters are synchronised after update <paramref name="step"/>.</summary>
    public bool Due(int step) => step % _options.Every == 0;

    /// <summary>Seconds spent in all-reduces so far.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <summary>Bytes one synchronisation all-reduces per rank.</summary>
    public long BytesPerSync => _parameters.Sum(p => p.numel() * p.ElementSize);

    /// <summary>All-reduces the parameters and applies the outer update; every rank ends with the same parameters.</summary>
    public void Synchronise()
    {
        CommunicationSeconds += _allReduce.Sum(_parameters); // each parameter now holds the ranks' sum
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _parameters.Count; i++)
        {
            var p = _parameters[i];
            p.div_(_ranks); // the mean
            if (_anchor is null)
                continue;
            var delta = _anchor[i] - p; // the outer gradient
            _momentum![i].mul_(_momentumFactor).add_(delta);
            _anchor[i].sub_(delta.add(_momentum[i], _momentumFactor).mul_(_outerLr));
            p.copy_(_anchor[i]);
        }
    }

    public void Dispose()
    {
        foreach (var t in (_anchor ?? Array.Empty<Tensor>()).Concat(_momentum ?? Array.Empty<Tensor>()))
            t.Dispose();
        _ranks.Dispose();
        _momentumFactor.Dispose();
        _outerLr.Dispose();
        _allReduce.Dispose();
    }
}
