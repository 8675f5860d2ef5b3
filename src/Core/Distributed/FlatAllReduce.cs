using static TorchSharp.torch;

namespace Forge.Core.Distributed;

/// <summary>
/// Sums tensors over the ranks in place: flattened, in their order, into buckets of at most
/// <see cref="BucketElements"/> elements of one dtype (a larger tensor alone), one all-reduce per bucket. The
/// gradient all-reduce and <c>training.sync</c>'s parameter average both go through it.
/// </summary>
public static class FlatAllReduce
{
    /// <summary>Elements per all-reduce (32 MB of float32).</summary>
    public const int BucketElements = 8 << 20;

    /// <summary>Replaces every tensor of <paramref name="tensors"/> (float32 or float64) by its sum over <paramref name="ranks"/>; returns the seconds it took.</summary>
    public static double Sum(ICollective ranks, IEnumerable<Tensor> tensors)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using (no_grad())
            foreach (var bucket in Buckets(tensors))
            {
                using var scope = NewDisposeScope();
                var flat = cat(bucket.Select(t => t.flatten()).ToArray());
                ranks.AllReduceSum(flat);
                long offset = 0;
                foreach (var t in bucket)
                {
                    t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
                    offset += t.numel();
                }
            }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static IEnumerable<IReadOnlyList<Tensor>> Buckets(IEnumerable<Tensor> tensors)
    {
        var open = new Dictionary<ScalarType, (List<Tensor> Tensors, long Elements)>();
        foreach (var t in tensors)
        {
            if (t.dtype is not (ScalarType.Float32 or ScalarType.Float64))
                throw new InvalidOperationException($"data-parallel training all-reduces float32 and float64 tensors, not {t.dtype}");
            var (bucket, elements) = open.TryGetValue(t.dtype, out var b) ? b : (new List<Tensor>(), 0L);
            if (bucket.Count > 0 && elements + t.numel() > BucketElements)
            {
                yield return bucket;
                (bucket, elements) = (new List<Tensor>(), 0L);
            }
            bucket.Add(t);
            open[t.dtype] = (bucket, elements + t.numel());
        }
        foreach (var (bucket, _) in open.Values)
            if (bucket.Count > 0)
                yield return bucket;
    }
}
