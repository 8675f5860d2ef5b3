using Forge.Abstractions.Data;
using Forge.Abstractions.Layers;
using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>
/// <c>gpt</c>: a decoder-only pre-LN transformer in the mould of nanoGPT's model.py: token embedding (+ learned
/// positions), <c>depth</c> blocks of causal self-attention and a GELU MLP, each as a residual branch behind a
/// LayerNorm, a final LayerNorm and a readout (optionally tied to the token embedding). Every tensor, the
/// attention-logit scale and the residual scales come from the parametrization, and every op (linear, embedding,
/// residual, attention, GELU, norm) from the ops it chooses (<see cref="ParameterFactory.Ops"/>): the same model
/// runs plain under SP/μP and unit-scaled under u-μP. The module continues sequences from a key-value cache
/// (<see cref="IIncrementalDecoder"/>) for <c>forge sample</c>.
/// </summary>
[ForgePlugin<GptOptions>("gpt", Description = "Decoder-only pre-LN transformer (nanoGPT style)")]
public sealed class GptModel(GptOptions options) : IModelPlugin
{
    /// <inheritdoc />
    public ModelDimensions Dimensions(DataDescription data) => new(options.Width, options.Depth);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> Build(ModelBuildContext context)
    {
        var data = context.Data;
        if (!data.HasTokenInputs || data.Task != TaskKind.LanguageModeling)
            throw new PluginException("model.name is \"gpt\", which needs token sequences to model (a language-modeling dataset such as \"text\"); use the \"mlp\" model for this dataset.");
        int vocab = options.Vocab ?? data.VocabularySize;
        if (vocab < data.VocabularySize)
            throw new PluginException($"model.vocab is {vocab}, smaller than the dataset's vocabulary of {data.VocabularySize}; remove model.vocab to take the dataset's.");
        int context1 = options.Context ?? data.SequenceLength;
        if (context1 < data.SequenceLength)
            throw new PluginException($"model.context is {context1}, shorter than the dataset's windows of {data.SequenceLength}; raise model.context or lower data.context.");
        return new GptNetwork(options, context.Parameters, vocab, context1, data.SequenceLength);
    }
}

/// <summary>The module <see cref="GptModel"/> builds.</summary>
internal sealed class GptNetwork : nn.Module<Tensor, Tensor>, IIncrementalDecoder
{
    private readonly int _context;
    private readonly int _window;
    private readonly ScaledEmbedding _tokens;
    private readonly ScaledEmbedding? _positions;
    private readonly TorchSharp.Modules.ModuleList<GptBlock> _blocks = new();
    private readonly ScaledLayerNorm _norm;
    private readonly nn.Module<Tensor, Tensor> _readout;
    private readonly ModelOps _ops;

    public GptNetwork(GptOptions options, ParameterFactory factory, int vocab, int context, int window) : base("gpt")
    {
        var width = Dimension.Width(options.Width);
        _ops = factory.Ops;
        _context = context;
        _window = window;
        _tokens = new ScaledEmbedding(factory, "embedding_tokens", vocab, width);
        if (options.Positions == PositionEncoding.Learned)
            _positions = new ScaledEmbedding(factory, "embedding_positions", context, width);
        for (int i = 0; i < options.Depth; i++)
            using (factory.Block(i))
                _blocks.Add(new GptBlock(options, factory, $"blocks.{i}", i));
        _norm = new ScaledLayerNorm(factory, "norm", width, options.Bias);
        _readout = options.TieEmbeddings
            ? new TiedLinear(factory, "readout", factory.Tie(_tokens.Weight,
                new ParameterDescriptor("readout.weight", ParameterRole.Output, new long[] { vocab, options.Width }, Dimension.Fixed(vocab), width)))
            : new ScaledLinear(factory, "readout", ParameterRole.Output, width, Dimension.Fixed(vocab), options.Bias);

        register_module("embedding_tokens", _tokens);
        if (_positions is not null)
            register_module("embedding_positions", _positions);
        register_module("blocks", _blocks);
        register_module("norm", _norm);
        register_module("readout", _readout);
    }

    public override Tensor forward(Tensor tokens)
    {
        // tokens (batch, time) → x (batch, time, width) → logits (batch, time, vocab)
        var x = _tokens.call(tokens);
        if (_positions is not null)
            x = _ops.Add(x, _positions.call(arange(tokens.shape[1], device: tokens.device)));
        foreach (var block in _blocks)
            x = block.call(x);
        return _readout.call(_norm.call(x));
    }

    /// <inheritdoc />
    public int? MaxSequence => _positions is null ? null : _context;

    /// <inheritdoc />
    public KeyValueCache CreateCache(int capacity) => new(_blocks.Count, capacity);

    /// <inheritdoc />
    public Tensor Decode(Tensor tokens, KeyValueCache cache)
    {
        // tokens (batch, new) at positions cache.Length … cache.Length + new − 1
        long start = cache.Length, added = tokens.shape[1];
        var x = _tokens.call(tokens);
        if (_positions is not null)
            x = _ops.Add(x, _positions.call(arange(start, start + added, device: tokens.device)));
        for (int i = 0; i < _blocks.Count; i++)
            x = _blocks[i].Decode(x, cache, i, _window); // the training windows' length, for ops that scale with it
        cache.Advance((int)added);
        return _readout.call(_norm.call(x));
    }
}

/// <summary>One pre-LN block: <c>x + r·attn(ln(x))</c>, then <c>x + r·mlp(ln(x))</c> (or the ops' form of a residual branch).</summary>
internal sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly ScaledLayerNorm _attentionNorm;
    private readonly CausalSelfAttention _attention;
    private readonly ScaledLayerNorm _mlpNorm;
    private readonly GptMlp _mlp;
    private readonly double _attentionResidual;
    private readonly double _mlpResidual;
    private readonly ModelOps _ops;

    public GptBlock(GptOptions options, ParameterFactory factory, string name, int index) : base(name)
    {
        var width = Dimension.Width(options.Width);
        _ops = factory.Ops;
        _attentionNorm = new ScaledLayerNorm(factory, $"{name}.attention_norm", width, options.Bias);
        _attention = new CausalSelfAttention(options, factory, $"{name}.attention");
        _mlpNorm = new ScaledLayerNorm(factory, $"{name}.mlp_norm", width, options.Bias);
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
        x = _ops.Residual(x, _attentionResidual, h => _attention.call(_attentionNorm.call(h)));
        return _ops.Residual(x, _mlpResidual, h => _mlp.call(_mlpNorm.call(h)));
    }

    /// <summary>The block on new positions <paramref name="x"/> (batch, new, width), attending over layer <paramref name="layer"/>'s cache too, as in a window of <paramref name="context"/>.</summary>
    public Tensor Decode(Tensor x, KeyValueCache cache, int layer, int context)
    {
        x = _ops.Residual(x, _attentionResidual, h => _attention.Decode(_attentionNorm.call(h), cache, layer, context));
        return _ops.Residual(x, _mlpResidual, h => _mlp.call(_mlpNorm.call(h)));
    }
}

/// <summary>Multi-head causal self-attention with the parametrization's logit scale.</summary>
internal sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly ScaledLinear _query, _key, _value, _output;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly double _scale;
    private readonly AttentionKernel _kernel;
    private readonly ModelOps _ops;

    public CausalSelfAttention(GptOptions options, ParameterFactory factory, string name) : base(name)
    {
        var width = Dimension.Width(options.Width);
        _heads = options.ResolvedHeads;
        _headDim = options.Width / _heads;
        _kernel = options.Attention;
        _ops = factory.Ops;
        _query = new ScaledLinear(factory, $"{name}.query", ParameterRole.Hidden, width, width, options.Bias, ParameterTags.AttentionQuery);
        _key = new ScaledLinear(factory, $"{name}.key", ParameterRole.Hidden, width, width, options.Bias);
        _value = new ScaledLinear(factory, $"{name}.value", ParameterRole.Hidden, width, width, options.Bias);
        _output = new ScaledLinear(factory, $"{name}.output", ParameterRole.Hidden, width, width, options.Bias, ParameterTags.ResidualOutput);
        _scale = factory.AttentionScale(name, _headDim);
        register_module("query", _query);
        register_module("key", _key);
        register_module("value", _value);
        register_module("output", _output);
    }

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        var q = Heads(_query.call(x), batch, time);
        var k = Heads(_key.call(x), batch, time);
        var v = Heads(_value.call(x), batch, time);
        var y = _ops.CausalAttention(q, k, v, _scale, fused: _kernel == AttentionKernel.Sdpa);
        return _output.call(y.transpose(1, 2).reshape(batch, time, width));
    }

    /// <summary>Attention of new positions <paramref name="x"/> (batch, new, width) over the cached ones and themselves, scaled as in a training window of <paramref name="context"/>.</summary>
    public Tensor Decode(Tensor x, KeyValueCache cache, int layer, int context)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        var q = Heads(_query.call(x), batch, time);
        var (k, v) = cache.Append(layer, Heads(_key.call(x), batch, time), Heads(_value.call(x), batch, time)); // (batch, heads, cached + new, d_head)
        var y = _ops.CausalAttentionContinued(q, k, v, _scale, context, fused: _kernel == AttentionKernel.Sdpa);
        return _output.call(y.transpose(1, 2).reshape(batch, time, width));
    }

    private Tensor Heads(Tensor t, long batch, long time) => t.view(batch, time, _heads, _headDim).transpose(1, 2);
}

/// <summary>The block's MLP: width → mlpRatio·width, GELU, → width.</summary>
internal sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    private readonly ScaledLinear _up, _down;
    private readonly ModelOps _ops;

    public GptMlp(GptOptions options, ParameterFactory factory, string name) : base(name)
    {
        var width = Dimension.Width(options.Width);
        var hidden = Dimension.Width((long)options.Width * options.MlpRatio);
        _ops = factory.Ops;
        _up = new ScaledLinear(factory, $"{name}.up", ParameterRole.Hidden, width, hidden, options.Bias);
        _down = new ScaledLinear(factory, $"{name}.down", ParameterRole.Hidden, hidden, width, options.Bias, ParameterTags.ResidualOutput);
        register_module("up", _up);
        register_module("down", _down);
    }

    public override Tensor forward(Tensor x) => _down.call(_ops.Activate(_up.call(x), Activation.Gelu));
}
