using Forge.Abstractions.Parametrizations;
using Forge.Core.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// Makes the gradients of a batch's parts (ranks × micro-batches) the whole batch's: sums them over the ranks — in
/// place, flattened into buckets (<see cref="FlatAllReduce"/>) —
/// then multiplies each tensor's sum by its parametrization's <see cref="GradientReduction.Factor"/> for the number
/// of parts (1/P for a mean, P^-½ under u-μP). Every rank ends with the same gradients, so clipping, the gradient
/// norm, the divergence guard and the optimizer take the same decisions everywhere.
/// </summary>
public sealed class GradientReducer : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly ICollective _collective;
    private readonly FlatAllReduce _allReduce;
    private readonly (Scalar Factor, int[] Indices)[] _scales;

    /// <param name="parameters">The trainable tensors.</param>
    /// <param name="reductions">Their reductions, in the same order.</param>
    /// <param name="collective">The ranks.</param>
    /// <param name="microBatches">Parts per rank.</param>
    public GradientReducer(IReadOnlyList<Parameter> parameters, IReadOnlyList<GradientReduction> reductions, ICollective collective, int microBatches)
    {
        _parameters = parameters;
        _collective = collective;
        _allReduce = new FlatAllReduce(collective);
        Parts = collective.Size * microBatches;
        _scales = Enumerable.Range(0, parameters.Count)
            .GroupBy(i => (i < reductions.Count ? reductions[i] : GradientReduction.Mean).Factor(Parts))
            .Where(g => g.Key != 1.0)
            .Select(g => (g.Key.ToScalar(), g.ToArray())) // held: Forge.Abstractions' HeldScalars says why
            .ToArray();
    }

    /// <summary>Seconds spent in all-reduces so far.</summary>
    public double CommunicationSeconds { get; private set; }

    /// <summary>Parts of each batch: ranks × micro-batches.</summary>
    public int Parts { get; }

    /// <summary>Sums the gradients over the ranks and scales them; nothing when there is one part.</summary>
    public void Reduce()
    {
        if (Parts == 1)
            return;
        using var _ = no_grad();
        if (_collective.Size > 1)
            CommunicationSeconds += _allReduce.Sum(_parameters.Select(p => p.grad).OfType<Tensor>());
        foreach (var (factor, indices) in _scales)
            foreach (int i in indices)
                _parameters[i].grad?.mul_(factor);
    }

    /// <summary>The mean of <paramref name="value"/> (one element, this rank's) over the ranks of <paramref name="collective"/>.</summary>
    public static Tensor MeanOverRanks(ICollective collective, Tensor value)
    {
        if (collective.Size == 1)
            return value;
        var buffer = value.detach().to(ScalarType.Float32).reshape(1).clone();
        collective.AllReduceSum(buffer);
        using var ranks = ((double)collective.Size).ToScalar();
        return buffer.div_(ranks).reshape(value.shape);
    }

    public void Dispose()
    {
        _allReduce.Dispose();
        foreach (var (factor, _) in _scales)
            factor.Dispose();
    }
}
