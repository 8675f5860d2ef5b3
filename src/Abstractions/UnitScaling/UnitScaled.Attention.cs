using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Unit-scaled causal (or full) attention over heads, <c>q, k, v</c> shaped (…, sequence, d_head): logits
    /// <c>mult·q·kᵀ/d_head</c> (1/d, μP's attention scale; mult = α_attn-softmax), output multiplied by
    /// <c>s = 1 / logint(1/(1+4·d_head/mult²), √((H_S if causal else 1)/S), 1)</c> (graphcore's empirical model:
    /// near-uniform attention over S keys for small mult, one-hot for large mult; causal position t averages t
    /// values, so the mean output variance is H_S/S with H_S = Σ_{t≤S} 1/t, for which graphcore writes its large-S
    /// approximation ln S, which reads 6% low at S = 64),
    /// and the gradients of q, k and v multiplied by the same <c>s</c>, so they are the exact gradients of the
    /// scaled function. The output and v's gradient are unit for unit inputs; q's and k's gradients are small
    /// (≈ 0.1 for unit q, k at d_head 32) because near-uniform attention passes little gradient to its logits,
    /// and scaling them apart from v's would change the gradient reaching the layer's input.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, double mult = 1.0, bool causal = true)
    {
        double s = AttentionOutputScale(query.shape[^1], query.shape[^2], mult, causal);
        var q = ScaleBackward(query, s);
        var k = ScaleBackward(key, s);
        var v = ScaleBackward(value, s);
        var output = Ops.Sdpa.WithLogitScale(q, k, v, mult / query.shape[^1], causal);
        return ScaleForward(output, s);
    }

    /// <summary>The output (and q, k, v gradient) scale of <see cref="ScaledDotProductAttention"/>.</summary>
    public static double AttentionOutputScale(long headDimension, long sequence, double mult, bool causal)
    {
        if (sequence <= 1)
            return 1.0; // one key: the output is v itself
        double lower = Math.Sqrt((causal ? Harmonic(sequence) : 1.0) / sequence);
        return 1 / LogInterpolate(1 / (1 + 4 * headDimension / (mult * mult)), lower, 1.0);
    }

    private static double Harmonic(long n)
    {
        double sum = 0;
        for (long t = n; t >= 1; t--)
            sum += 1.0 / t;
        return sum;
    }
}
