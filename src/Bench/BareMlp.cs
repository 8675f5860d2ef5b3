using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>
/// The benchmark's reference for <c>mlp</c> on tokens: the same network as the plugin under <c>sp</c> (embedding, then
/// <c>depth</c> biased linear layers with ReLU, then a biased readout), written on TorchSharp's own modules.
/// </summary>
public sealed class BareMlp : nn.Module<Tensor, Tensor>
{
    private readonly Embedding _embedding;
    private readonly ModuleList<Linear> _hidden = new();
    private readonly Linear _readout;

    public BareMlp(int vocab, int width, int depth) : base("bare_mlp")
    {
        _embedding = nn.Embedding(vocab, width);
        for (int i = 0; i < depth; i++)
            _hidden.Add(nn.Linear(width, width));
        _readout = nn.Linear(width, vocab);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        var x = _embedding.call(tokens);
        foreach (var layer in _hidden)
            x = nn.functional.relu(layer.call(x));
        return _readout.call(x);
    }
}
