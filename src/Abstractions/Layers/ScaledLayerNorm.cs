using Forge.Abstractions.Parametrizations;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>LayerNorm over the last dimension with a gain (and optionally a bias) created through the parametrization.</summary>
public sealed class ScaledLayerNorm : nn.Module<Tensor, Tensor>
{
    private const double Epsilon = 1e-5;
    private readonly long _size;
    private readonly double _gainMultiplier;
    private readonly double _biasMultiplier;

    /// <summary>Creates <c>name.weight</c> (<see cref="ParameterRole.NormGain"/>) and, when <paramref name="bias"/>, <c>name.bias</c> (<see cref="ParameterRole.NormBias"/>).</summary>
    public ScaledLayerNorm(ParameterFactory factory, string name, Dimension size, bool bias = true) : base(name)
    {
        _size = size.Size;
        var gain = factory.NormParameter($"{name}.weight", ParameterRole.NormGain, size);
        _gainMultiplier = gain.Multiplier;
        register_parameter("weight", gain.Value);
        if (bias)
        {
            var b = factory.NormParameter($"{name}.bias", ParameterRole.NormBias, size);
            _biasMultiplier = b.Multiplier;
            register_parameter("bias", b.Value);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        Tensor gain = get_parameter("weight")!;
        Tensor? bias = get_parameter("bias");
        if (_gainMultiplier != 1.0)
            gain = gain.mul(_gainMultiplier);
        if (bias is not null && _biasMultiplier != 1.0)
            bias = bias.mul(_biasMultiplier);
        return nn.functional.layer_norm(input, new[] { _size }, gain, bias, Epsilon);
    }
}
