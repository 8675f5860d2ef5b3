using Forge.Abstractions.Layers;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>
/// The block's MLP: <c>gelu</c>, width → hidden, GELU, → width; or <c>swiglu</c>, <c>down(up(x) · silu(gate(x)))</c>
/// with gate and up width → hidden and down hidden → width (all three hidden matrices). The hidden size is
/// mlpRatio · width rounded up to a multiple of mlpMultipleOf (Llama: 8/3 and 256, so SwiGLU has the parameters of
/// a GELU MLP of ratio 4, up to the rounding).
/// </summary>
internal sealed class GptMlp : nn.Module<Tensor, Tensor>
{
    private readonly ScaledLinear _up, _down;
    private readonly ScaledLinear? _gate;
    private readonly ModelOps _ops;

    public GptMlp(GptOptions options, ParameterFactory factory, string name) : base(name)
    {
        var width = Dimension.Width(options.Width);
        var hidden = Dimension.Width(options.HiddenSize);
        _ops = factory.Ops;
        if (options.Mlp == MlpKind.Swiglu)
        {
            _gate = new ScaledLinear(factory, $"{name}.gate", ParameterRole.Hidden, width, hidden, options.Bias);
            register_module("gate", _gate);
        }
        _up = new ScaledLinear(factory, $"{name}.up", ParameterRole.Hidden, width, hidden, options.Bias);
        _down = new ScaledLinear(factory, $"{name}.down", ParameterRole.Hidden, hidden, width, options.Bias, ParameterTags.ResidualOutput);
        register_module("up", _up);
        register_module("down", _down);
    }

    // x (batch, time, width) → (batch, time, hidden) → (batch, time, width)
    public override Tensor forward(Tensor x) => _gate is null
        ? _down.call(_ops.Activate(_up.call(x), Activation.Gelu))
        : _down.call(_ops.GatedLinearUnit(_up.call(x), _gate.call(x)));
}
