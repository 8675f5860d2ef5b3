using System.Diagnostics;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>The machine's matmul throughput in this process: a large square matmul in one dtype, same thread count as training.</summary>
public static class GemmPeak
{
    /// <summary>FLOP/s of <c>n×n · n×n</c> (2n³ per product), the best of several timed products after a warm-up (the best, because a busy neighbour on a shared machine only ever slows a product down).</summary>
    public static double Best(ScalarType dtype, params int[] sizes) => sizes.Max(n => Measure(n, dtype));

    /// <summary>One size.</summary>
    public static double Measure(int n, ScalarType dtype, int repeats = 20)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n).to(dtype);
        var b = randn(n, n).to(dtype);
        a.matmul(b).Dispose(); // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using var c = a.matmul(b);
            _ = c[0, 0].to(ScalarType.Float32).item<float>(); // wait for the product
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }
}
