using System.Diagnostics;
using static TorchSharp.torch;
using Forge.Core.Training;

namespace Forge.Bench;

/// <summary>
/// One optimisation measured at the op level, where the whole step's noise cannot hide it: the operation as Forge did
/// it before (forward and backward) against as it does it now, on the shapes of a <c>gpt</c> layer, in alternating
/// blocks. <see cref="Saving"/> is the median over pairs of 1 − after/before.
/// </summary>
public sealed record LeverFigures(string Lever, string Shapes, double BeforeSeconds, double AfterSeconds, MedianInterval Saving)
{
    /// <summary>The levers that changed Forge's step, measured on <paramref name="model"/>'s shapes.</summary>
    public static IReadOnlyList<LeverFigures> Measure(BenchModel model, int pairs, int repeats, TextWriter log)
    {
        int tokens = model.Batch * model.Context, width = model.Width;
        var figures = new List<LeverFigures>();
        using (var scope = NewDisposeScope())
        {
            var x = randn(tokens, width).requires_grad_();
            var weight = (randn(4 * width, width) / Math.Sqrt(width)).requires_grad_();
            var bias = zeros(4 * width).requires_grad_();
            figures.Add(Compare("bias fused into the matmul", $"x {tokens}×{width}, W {4 * width}×{width}",
                () => (nn.functional.linear(x, weight) + bias).sum().backward(),
                () => nn.functional.linear(x, weight, bias).sum().backward(), pairs, repeats));
            var shape = new long[] { model.Batch, model.Heads, model.Context, model.HeadDim };
            var q = randn(shape).requires_grad_();
            var k = randn(shape).requires_grad_();
            var v = randn(shape).requires_grad_();
            figures.Add(Compare("no identity pre-scale of q before fused attention", $"q, k, v {string.Join("×", shape)}, causal",
                () => nn.functional.scaled_dot_product_attention(q * 1.0, k, v, is_casual: true).sum().backward(),
                () => nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true).sum().backward(), pairs, repeats));
        }
        foreach (var f in figures)
            log.WriteLine(System.FormattableString.Invariant(
                $"lever '{f.Lever}' ({f.Shapes}): {f.BeforeSeconds * 1e3:F2} -> {f.AfterSeconds * 1e3:F2} ms, saves {f.Saving.Median:P1} ({f.Saving.Coverage:P0} interval {f.Saving.Low:P1} to {f.Saving.High:P1})"));
        return figures;
    }

    private static LeverFigures Compare(string lever, string shapes, Action before, Action after, int pairs, int repeats)
    {
        IReadOnlyList<double> Time(Action op)
        {
            var samples = new List<double>(repeats);
            for (int i = 0; i < repeats; i++)
            {
                using var scope = NewDisposeScope();
                long start = Stopwatch.GetTimestamp();
                op();
                samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
            return samples;
        }
        var blocks = AlternatingBlocks.Run(() => Time(before), () => Time(after), _ => pairs);
        return new LeverFigures(lever, shapes, Median.Of(blocks.Pairs.Select(p => p.First)), Median.Of(blocks.Pairs.Select(p => p.Second)),
            MedianInterval.Of(blocks.Pairs.Select(p => 1 - p.Second / p.First).ToList()));
    }
}
