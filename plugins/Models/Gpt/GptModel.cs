using Forge.Abstractions.Data;
using Forge.Abstractions.Layers;
using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>
/// <c>gpt</c>: a decoder-only pre-norm transformer in the mould of nanoGPT's model.py: token embedding (+ learned or
/// sinusoidal positions), <c>depth</c> blocks of causal self-attention (RoPE or ALiBi positions, grouped-query
/// attention) and a GELU or SwiGLU MLP, each as a residual branch behind a LayerNorm or RMSNorm, a final norm and a
/// readout (optionally tied to the token embedding). The defaults are GPT-2's block; <c>experiments/llama-mup.json</c>
/// is Llama's. Every tensor, the
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
    private readonly nn.Module<Tensor, Tensor> _norm;
    private readonly nn.Module<Tensor, Tensor> _readout;
    private readonly ModelOps _ops;
    private readonly bool _sinusoidal;
    private readonly double _dropout;
    private readonly long _width;

    public GptNetwork(GptOptions options, ParameterFactory factory, int vocab, int context, int window) : base("gpt")
    {
        var width = Dimension.Width(options.Width);
        _ops = factory.Ops;
        _context = context;
        _window = window;
        _width = options.Width;
        _sinusoidal = options.Positions == PositionEncoding.Sinusoidal;
        _dropout = options.EmbeddingDropout;
        _tokens = new ScaledEmbedding(factory, "embedding_tokens", vocab, width);
        if (options.Positions == PositionEncoding.Learned)
            _positions = new ScaledEmbedding(factory, "embedding_positions", context, width);
        for (int i = 0; i < options.Depth; i++)
            using (factory.Block(i))
                _blocks.Add(new GptBlock(options, factory, $"blocks.{i}", i));
        _norm = GptNorm.Create(options, factory, "norm");
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
        var x = Embedded(tokens, 0);
        foreach (var block in _blocks)
            x = block.call(x);
        return _readout.call(_norm.call(x));
    }

    /// <summary>Token embeddings plus the positions that are added to them (learned or sinusoidal), for positions from <paramref name="start"/>.</summary>
    private Tensor Embedded(Tensor tokens, long start)
    {
        var x = _tokens.call(tokens);
        long time = tokens.shape[1];
        if (_positions is not null && start + time > _context)
            throw new PluginException($"model.positions is learned with a table of {_context} positions (model.context), but the sequence reaches position {start + time}; evaluate at most {_context} tokens, or train with positions that extend (rope, alibi, sinusoidal, none).");
        if (_positions is not null)
            x = _ops.Add(x, _positions.call(arange(start, start + time, device: tokens.device)));
        else if (_sinusoidal)
            x = _ops.Add(x, Positions.SinusoidalPositions.Table(start, time, _width, tokens.device, x.dtype));
        return _ops.Dropout(x, _dropout, training);
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
        var x = Embedded(tokens, start);
        for (int i = 0; i < _blocks.Count; i++)
            x = _blocks[i].Decode(x, cache, i, _window); // the training windows' length, for ops that scale with it
        cache.Advance((int)added);
        return _readout.call(_norm.call(x));
    }
}
