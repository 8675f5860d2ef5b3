using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Abstractions.Ops;

/// <summary>libtorch's fused attention with an arbitrary logit scale.</summary>
internal static class Sdpa
{
    /// <summary>
    /// <c>softmax(s·q kᵀ (+ causal mask))·v</c>. libtorch divides the logits by √d_head itself and TorchSharp exposes
    /// no scale argument, so q is pre-scaled by s·√d_head.
    /// </summary>
    public static Tensor WithLogitScale(Tensor query, Tensor key, Tensor value, double logitScale, bool causal) =>
        nn.functional.scaled_dot_product_attention(query.mul(logitScale * Math.Sqrt(query.shape[^1])), key, value, is_casual: causal); // (sic: TorchSharp spells it is_casual)
}
