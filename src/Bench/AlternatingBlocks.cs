using System.Diagnostics;
using Forge.Core.Training;

namespace Forge.Bench;

/// <summary>
/// Two things timed in alternating blocks (first, second, first, second, ...), so that a machine that slows down or
/// speeds up affects both alike; the first round warms up (allocator, kernels, JIT) and is dropped. Each block returns
/// the seconds of its steps or repetitions.
/// </summary>
/// <param name="First">Every sample of the first thing, in the order measured.</param>
/// <param name="Second">Every sample of the second thing, in the order measured.</param>
/// <param name="Pairs">Each round's median of the first and of the second.</param>
public sealed record AlternatingBlocks(List<double> First, List<double> Second, List<(double First, double Second)> Pairs)
{
    /// <param name="rounds">How many rounds to time, given how long the warm-up round took.</param>
    public static AlternatingBlocks Run(Func<IReadOnlyList<double>> first, Func<IReadOnlyList<double>> second, Func<TimeSpan, int> rounds)
    {
        var warmup = Stopwatch.StartNew();
        first();
        second();
        int count = rounds(warmup.Elapsed);
        var blocks = new AlternatingBlocks(new List<double>(), new List<double>(), new List<(double, double)>());
        for (int i = 0; i < count; i++)
        {
            var a = first();
            var b = second();
            blocks.First.AddRange(a);
            blocks.Second.AddRange(b);
            blocks.Pairs.Add((Median.Of(a), Median.Of(b)));
        }
        return blocks;
    }
}
