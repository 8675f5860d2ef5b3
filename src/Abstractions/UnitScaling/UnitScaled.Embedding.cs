using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Unit-scaled embedding lookup, table (vocabulary, width) initialised N(0, 1): forward unchanged (the rows
    /// are already unit); backward <c>grad_W·√(vocabulary / tokens)</c>, since each row collects the gradients of
    /// about tokens/vocabulary positions. The scale is applied to the gathered rows, which scales the table's
    /// gradient by the same factor without copying the table.
    /// </summary>
    public static Tensor Embedding(Tensor tokens, Tensor weight)
    {
        long vocabulary = weight.shape[0], count = tokens.numel();
        var rows = ScaleBackward(weight.index_select(0, tokens.flatten()), Math.Sqrt((double)vocabulary / count));
        return rows.view(tokens.shape.Append(weight.shape[1]).ToArray());
    }

    /// <summary>
    /// Unit-scaled sum of two independent tensors (e.g. token and position embeddings): <c>(a + b)·2^-½</c>.
    /// Backward, uncoupled: each input's gradient is divided by the square root of its broadcast factor
    /// (numel(output) / numel(input)), so a broadcast input's summed gradient stays unit. Use it only where the
    /// two inputs come from separate leaves, as the gradients are then scaled copies of the true ones.
    /// </summary>
    public static Tensor Add(Tensor left, Tensor right)
    {
        double total = BroadcastSize(left.shape, right.shape);
        var a = ScaleBackward(left, 1 / Math.Sqrt(total / left.numel()));
        var b = ScaleBackward(right, 1 / Math.Sqrt(total / right.numel()));
        return ScaleForward(a.add(b), 1 / Math.Sqrt(2));
    }

    private static long BroadcastSize(long[] left, long[] right)
    {
        long size = 1;
        for (int i = 1; i <= Math.Max(left.Length, right.Length); i++)
            size *= Math.Max(i <= left.Length ? left[^i] : 1, i <= right.Length ? right[^i] : 1);
        return size;
    }
}
