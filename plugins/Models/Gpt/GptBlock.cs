using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>
/// One pre-norm block: <c>x + r·drop(attn(norm(x)))</c>, then <c>x + r·drop(mlp(norm(x)))</c> (or the ops' form of a
/// residual branch; dropout and stochastic depth, at a rate rising linearly over the blocks, in training only). Causal
/// in <c>gpt</c>; bidirectional in <c>vit</c>, which uses the same block.
/// </summary>
internal sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> _attentionNorm;
    private readonly CausalSelfAttention _attention;
    private readonly nn.Module<Tensor, Tensor> _mlpNorm;
    private readonly GptMlp _mlp;
    private readonly double _attentionResidual;
    private readonly double _mlpResidual;
    private readonly double _dropout;
    private readonly double _dropPath;
    private readonly ModelOps _ops;

    public GptBlock(GptOptions options, ParameterFactory factory, string name, int index, bool causal = true) : base(name)
    {
        _ops = factory.Ops;
        _dropout = options.ResidualDropout;
        _dropPath = options.Depth > 1 ? options.StochasticDepth * index / (options.Depth - 1) : options.StochasticDepth;
        _attentionNorm = GptNorm.Create(options, factory, $"{name}.attention_norm");
        _attention = new CausalSelfAttention(options, factory, $"{name}.attention", causal);
        _mlpNorm = GptNorm.Create(options, factory, $"{name}.mlp_norm");
        _mlp = new GptMlp(options, factory, $"{name}.mlp");
        _attentionResidual = factory.ResidualMultiplier($"{name}.attention", 2 * index);
        _mlpResidual = factory.ResidualMultiplier($"{name}.mlp", 2 * index + 1);
        register_module("attention_norm", _attentionNorm);
        register_module("attention", _attention);
        register_module("mlp_norm", _mlpNorm);
        register_module("mlp", _mlp);
    }

    public override Tensor forward(Tensor x)
    {
        x = _ops.Residual(x, _attentionResidual, h => _ops.DropPath(_ops.Dropout(_attention.call(_attentionNorm.call(h)), _dropout, training), _dropPath, training));
        return _ops.Residual(x, _mlpResidual, h => _ops.DropPath(_ops.Dropout(_mlp.call(_mlpNorm.call(h)), _dropout, training), _dropPath, training));
    }

    /// <summary>The block on new positions <paramref name="x"/> (batch, new, width), attending over layer <paramref name="layer"/>'s cache too, as in a window of <paramref name="context"/>.</summary>
    public Tensor Decode(Tensor x, KeyValueCache cache, int layer, int context)
    {
        x = _ops.Residual(x, _attentionResidual, h => _attention.Decode(_attentionNorm.call(h), cache, layer, context));
        return _ops.Residual(x, _mlpResidual, h => _mlp.call(_mlpNorm.call(h)));
    }
}
