using static TorchSharp.torch;

namespace Forge.Core.Distributed;

/// <summary>
/// Sums tensors over the ranks in place: flattened, in their order, into buckets of at most
/// <see cref="BucketElements"/> elements of one dtype (a larger tensor alone), one all-reduce per bucket. The
/// gradient all-reduce and <c>training.sync</c>'s parameter average each hold one. The bucket buffers are kept from
/// call to call: a fresh 50 MB buffer per step costs its page faults (and its unmapping) every step.
/// </summary>
public sealed class FlatAllReduce(ICollective ranks) : IDisposable
{
    /// <summary>Elements per all-reduce (32 MB of float32).</summary>
    public const int BucketElements = 8 << 20;

    private readonly List<Tensor> _buffers = new();

    /// <summary>Replaces every tensor of <paramref name="tensors"/> (float32 or float64) by its sum over the ranks; returns the seconds it took.</summary>
    public double Sum(IEnumerable<Tensor> tensors)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        using (no_grad())
        {
            int index = 0;
            foreach (var bucket in Buckets(tensors))
            {
                var flat = Buffer(index++, bucket[0].dtype, bucket.Sum(t => t.numel()));
                long offset = 0;
                foreach (var t in bucket)
                {
                    using var slot = flat.narrow(0, offset, t.numel());
                    using var source = t.reshape(-1);
                    slot.copy_(source);
                    offset += t.numel();
                }
                ranks.AllReduceSum(flat);
                offset = 0;
                foreach (var t in bucket)
                {
                    using var slot = flat.narrow(0, offset, t.numel());
                    using var shaped = slot.view_as(t);
                    t.copy_(shaped);
                    offset += t.numel();
                }
            }
        }
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>The kept buffer of bucket <paramref name="index"/>, replaced when the bucket's size or dtype changes.</summary>
    private Tensor Buffer(int index, ScalarType dtype, long elements)
    {
        if (index < _buffers.Count && _buffers[index].dtype == dtype && _buffers[index].numel() == elements)
            return _buffers[index];
        var buffer = empty(elements, dtype).DetachFromDisposeScope();
        if (index < _buffers.Count)
        {
            _buffers[index].Dispose();
            _buffers[index] = buffer;
        }
        else
            _buffers.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _buffers)
            buffer.Dispose();
        _buffers.Clear();
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
