using Forge.Abstractions.Parametrizations;
using Forge.Core.Distributed;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// Makes the gradients of a batch's parts (ranks × micro-batches) the whole batch's: sums them over the ranks — the
/// gradients flattened into buckets of at most <see cref="BucketElements"/> elements, one all-reduce each, in place —
/// then multiplies each tensor's sum by its parametrization's <see cref="GradientReduction.Factor"/> for the number
/// of parts (1/P for a mean, P^-½ under u-μP). Every rank ends with the same gradients, so clipping, the gradient
/// norm, the divergence guard and the optimizer take the same decisions everywhere.
/// </summary>
public sealed class GradientReducer : IDisposable
{
    /// <summary>Elements per all-reduce (32 MB of float32).</summary>
    public const int BucketElements = 8 << 20;

    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly ICollective _collective;
    private readonly (Scalar Factor, int[] Indices)[] _scales;

    /// <param name="parameters">The trainable tensors.</param>
    /// <param name="reductions">Their reductions, in the same order.</param>
    /// <param name="collective">The ranks.</param>
    /// <param name="microBatches">Parts per rank.</param>
    public GradientReducer(IReadOnlyList<Parameter> parameters, IReadOnlyList<GradientReduction> reductions, ICollective collective, int microBatches)
    {
        _parameters = parameters;
        _collective = collective;
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
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var bucket in Buckets())
                AllReduce(bucket);
            CommunicationSeconds += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
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

    private void AllReduce(IReadOnlyList<Tensor> gradients)
    {
        using var scope = NewDisposeScope();
        var flat = cat(gradients.Select(g => g.flatten()).ToArray());
        _collective.AllReduceSum(flat);
        long offset = 0;
        foreach (var g in gradients)
        {
            g.copy_(flat.narrow(0, offset, g.numel()).view_as(g));
            offset += g.numel();
        }
    }

    /// <summary>The gradients in order, grouped by dtype into buckets of at most <see cref="BucketElements"/> (a larger tensor alone).</summary>
    private IEnumerable<IReadOnlyList<Tensor>> Buckets()
    {
        var open = new Dictionary<ScalarType, (List<Tensor> Tensors, long Elements)>();
        foreach (var g in _parameters.Select(p => p.grad).OfType<Tensor>())
        {
            if (g.dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new InvalidOperationException($"data-parallel training all-reduces float32 and float64 gradients, not {g.dtype}");
            var (tensors, elements) = open.TryGetValue(g.dtype, out var b) ? b : (new List<Tensor>(), 0L);
            if (tensors.Count > 0 && elements + g.numel() > BucketElements)
            {
                yield return tensors;
                (tensors, elements) = (new List<Tensor>(), 0L);
            }
            tensors.Add(g);
            open[g.dtype] = (tensors, elements + g.numel());
        }
        foreach (var (tensors, _) in open.Values)
            if (tensors.Count > 0)
                yield return tensors;
    }

    public void Dispose()
    {
        foreach (var (factor, _) in _scales)
            factor.Dispose();
    }
}
