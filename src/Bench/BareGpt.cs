using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>
/// The benchmark's reference: the same pre-LN GPT as the <c>gpt</c> plugin under <c>sp</c> (learned positions, biases,
/// separate q/k/v projections, fused causal attention, GELU MLP of 4x width, untied readout), written directly
/// against TorchSharp's own modules with no Forge layer, parametrization, ops or precision policy in between.
/// </summary>
public sealed class BareGpt : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _tokens, _positions;
    private readonly ModuleList<BareBlock> _blocks = new();
    private readonly LayerNorm _norm;
    private readonly Linear _readout;

    public BareGpt(int vocab, int context, int width, int depth, int heads) : base("bare_gpt")
    {
        _tokens = nn.Embedding(vocab, width);
        _positions = nn.Embedding(context, width);
        for (int i = 0; i < depth; i++)
            _blocks.Add(new BareBlock(width, heads));
        _norm = nn.LayerNorm(width);
        _readout = nn.Linear(width, vocab);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var positions = arange(tokens.shape[1], device: tokens.device);
        var x = _tokens.call(tokens) + _positions.call(positions);
        foreach (var block in _blocks)
            x = block.call(x);
        return _readout.call(_norm.call(x));
    }

    private sealed class BareBlock : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm _attentionNorm, _mlpNorm;
        private readonly Linear _query, _key, _value, _output, _up, _down;
        private readonly int _heads;

        public BareBlock(int width, int heads) : base("bare_block")
        {
            _heads = heads;
            _attentionNorm = nn.LayerNorm(width);
            _query = nn.Linear(width, width);
            _key = nn.Linear(width, width);
            _value = nn.Linear(width, width);
            _output = nn.Linear(width, width);
            _mlpNorm = nn.LayerNorm(width);
            _up = nn.Linear(width, 4 * width);
            _down = nn.Linear(4 * width, width);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], t = x.shape[1], d = x.shape[2];
            var h = _attentionNorm.call(x);
            Tensor Heads(Tensor y) => y.view(b, t, _heads, d / _heads).transpose(1, 2);
            var attended = nn.functional.scaled_dot_product_attention(Heads(_query.call(h)), Heads(_key.call(h)), Heads(_value.call(h)), is_casual: true);
            x = x + _output.call(attended.transpose(1, 2).reshape(b, t, d));
            return x + _down.call(nn.functional.gelu(_up.call(_mlpNorm.call(x))));
        }
    }
}
