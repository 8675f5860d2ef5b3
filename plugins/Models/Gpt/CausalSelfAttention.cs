using Forge.Abstractions.Layers;
using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Plugins.Models.Gpt.Positions;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>
/// Causal self-attention with the parametrization's logit scale: <c>heads</c> query heads and <c>kvHeads</c> key/value
/// heads (grouped-query attention: each key/value head serves heads / kvHeads query heads; 1 is multi-query), RoPE on
/// queries and keys or ALiBi's bias on the logits when the positions say so, queries and keys RMS-normalised per head
/// with <c>qkNorm</c>, and dropout of the attention probabilities in training with <c>attentionDropout</c>. The key and value projections
/// (width → kvHeads · d_head) are hidden matrices whose fan-out counts as a width dimension even when kvHeads stays put
/// as the width grows (as across Llama's sizes): treated as a fixed size, μP would give them a readout's init
/// (variance 1/fan_in²) and the values would vanish with width, which the coordinate check shows; as hidden matrices
/// their init and Adam learning rate follow their fan-in, which does scale.
/// </summary>
internal sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly ScaledLinear _query, _key, _value, _output;
    private readonly int _heads, _kvHeads, _headDim;
    private readonly double _scale;
    private readonly AttentionKernel _kernel;
    private readonly PositionEncoding _positions;
    private readonly double _ropeBase;
    private readonly bool _qkNorm;
    private readonly double _dropout;
    private readonly bool _causal;
    private readonly ModelOps _ops;

    /// <summary>The attention of block <paramref name="name"/>; with <paramref name="causal"/> false every position attends to every other (an encoder such as <c>vit</c>'s), in the plain form only (no GQA, qkNorm, RoPE, ALiBi or attention dropout).</summary>
    public CausalSelfAttention(GptOptions options, ParameterFactory factory, string name, bool causal = true) : base(name)
    {
        _causal = causal;
        var width = Dimension.Width(options.Width);
        _heads = options.ResolvedHeads;
        _kvHeads = options.ResolvedKvHeads;
        _headDim = options.Width / _heads;
        _kernel = options.Attention;
        _positions = options.Positions;
        _ropeBase = options.RopeBase;
        _qkNorm = options.QkNorm;
        _dropout = options.AttentionDropout;
        _ops = factory.Ops;
        var keyValue = Dimension.Width((long)_kvHeads * _headDim);
        _query = new ScaledLinear(factory, $"{name}.query", ParameterRole.Hidden, width, width, options.Bias, ParameterTags.AttentionQuery);
        _key = new ScaledLinear(factory, $"{name}.key", ParameterRole.Hidden, width, keyValue, options.Bias);
        _value = new ScaledLinear(factory, $"{name}.value", ParameterRole.Hidden, width, keyValue, options.Bias);
        _output = new ScaledLinear(factory, $"{name}.output", ParameterRole.Hidden, width, width, options.Bias, ParameterTags.ResidualOutput);
        _scale = factory.AttentionScale(name, _headDim);
        register_module("query", _query);
        register_module("key", _key);
        register_module("value", _value);
        register_module("output", _output);
    }

    private bool Plain => _kvHeads == _heads && !_qkNorm && !(training && _dropout > 0) && _positions is not (PositionEncoding.Rope or PositionEncoding.Alibi);

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        var q = Heads(_query.call(x), batch, time, _heads); // (batch, heads, time, d_head)
        var k = Heads(_key.call(x), batch, time, _kvHeads);
        var v = Heads(_value.call(x), batch, time, _kvHeads);
        Tensor y;
        if (!_causal)
            y = Plain ? _ops.Attention(q, k, v, _scale, fused: _kernel == AttentionKernel.Sdpa)
                : throw new InvalidOperationException("bidirectional attention has only the plain form (no grouped-query attention, qkNorm, RoPE, ALiBi or attention dropout)");
        else if (Plain)
            y = _ops.CausalAttention(q, k, v, _scale, fused: _kernel == AttentionKernel.Sdpa);
        else
        {
            (q, k) = Rotated(Normalised(q), Normalised(k), 0);
            y = _ops.CausalAttentionContinued(q, Grouped(k), Grouped(v), _scale, time, _kernel == AttentionKernel.Sdpa, Bias(time, time, x.device),
                training ? _dropout : 0);
        }
        return _output.call(y.transpose(1, 2).reshape(batch, time, width));
    }

    /// <summary>Attention of new positions <paramref name="x"/> (batch, new, width) over the cached ones and themselves, scaled as in a training window of <paramref name="context"/>.</summary>
    public Tensor Decode(Tensor x, KeyValueCache cache, int layer, int context)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        var q = Normalised(Heads(_query.call(x), batch, time, _heads));
        var newKeys = Normalised(Heads(_key.call(x), batch, time, _kvHeads));
        (q, newKeys) = Rotated(q, newKeys, cache.Length);
        var (k, v) = cache.Append(layer, newKeys, Heads(_value.call(x), batch, time, _kvHeads)); // (batch, kvHeads, cached + new, d_head)
        var y = _ops.CausalAttentionContinued(q, Grouped(k), Grouped(v), _scale, context, fused: _kernel == AttentionKernel.Sdpa, Bias(time, k.shape[2], x.device));
        return _output.call(y.transpose(1, 2).reshape(batch, time, width));
    }

    /// <summary>qkNorm: each head's vector divided by its RMS (no gain).</summary>
    private Tensor Normalised(Tensor t) => _qkNorm ? _ops.RmsNorm(t, _headDim, null) : t;

    private (Tensor Query, Tensor Key) Rotated(Tensor q, Tensor k, long start) =>
        _positions == PositionEncoding.Rope ? (RotaryEmbedding.Rotate(q, start, _ropeBase), RotaryEmbedding.Rotate(k, start, _ropeBase)) : (q, k);

    private Tensor? Bias(long added, long all, Device device) => _positions == PositionEncoding.Alibi ? AlibiBias.For(_heads, added, all, device) : null;

    /// <summary>Key/value heads repeated for the query heads they serve: (batch, kvHeads, time, d) → (batch, heads, time, d).</summary>
    private Tensor Grouped(Tensor t) => _kvHeads == _heads ? t : t.repeat_interleave(_heads / _kvHeads, dim: 1);

    private Tensor Heads(Tensor t, long batch, long time, int heads) => t.view(batch, time, heads, _headDim).transpose(1, 2);
}
