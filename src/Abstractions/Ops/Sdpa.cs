using static TorchSharp.torch;

namespace Forge.Abstractions.Ops;

/// <summary>libtorch's fused attention with an arbitrary logit scale.</summary>
internal static class Sdpa
{
    /// <summary>
    /// <c>softmax(s·q kᵀ (+ causal mask))·v</c>. libtorch divides the logits by √d_head itself and TorchSharp exposes
    /// no scale argument, so q is pre-scaled by s·√d_head — unless that factor rounds to 1 in float32 (SP's
    /// s = 1/√d_head), where the multiply would be an identity pass forward and backward.
    /// </summary>
    public static Tensor WithLogitScale(Tensor query, Tensor key, Tensor value, double logitScale, bool causal)
    {
        double factor = logitScale * Math.Sqrt(query.shape[^1]);
        var scaled = (float)factor == 1f ? query : query.Times(factor);
        return nn.functional.scaled_dot_product_attention(scaled, key, value, is_casual: causal); // (sic: TorchSharp spells it is_casual)
    }

    /// <summary>
    /// <c>softmax(s·q kᵀ + mask)·v</c> with a float <paramref name="mask"/> (−∞ where a key is hidden, a bias elsewhere,
    /// such as ALiBi's), broadcast over batch and heads; q is pre-scaled as in <see cref="WithLogitScale"/>.
    /// </summary>
    public static Tensor WithLogitScaleAndMask(Tensor query, Tensor key, Tensor value, double logitScale, Tensor mask)
    {
        double factor = logitScale * Math.Sqrt(query.shape[^1]);
        var scaled = (float)factor == 1f ? query : query.Times(factor);
        return nn.functional.scaled_dot_product_attention(scaled, key, value, attn_mask: mask.to(query.dtype));
    }
}
