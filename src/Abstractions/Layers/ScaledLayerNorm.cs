using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// LayerNorm over the last dimension computed by the ops' <see cref="ModelOps.LayerNorm"/>, with a gain (and
/// optionally a bias) created through the parametrization, or none when the ops use non-trainable norms
/// (<see cref="ModelOps.AffineNorms"/>, u-μP's default).
/// </summary>
public sealed class ScaledLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly long _size;
    private readonly ModelOps _ops;
    private readonly ScaledParameter? _gain;
    private readonly ScaledParameter? _bias;

    /// <summary>Creates <c>name.weight</c> (<see cref="ParameterRole.NormGain"/>) and, when <paramref name="bias"/>, <c>name.bias</c> (<see cref="ParameterRole.NormBias"/>), if the ops have affine norms.</summary>
    public ScaledLayerNorm(ParameterFactory factory, string name, Dimension size, bool bias = true) : base(name)
    {
        _size = size.Size;
        _ops = factory.Ops;
        if (!_ops.AffineNorms)
            return;
        _gain = factory.NormParameter($"{name}.weight", ParameterRole.NormGain, size);
        register_parameter("weight", _gain.Value);
        if (bias)
        {
            _bias = factory.NormParameter($"{name}.bias", ParameterRole.NormBias, size);
            register_parameter("bias", _bias.Value);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _ops.LayerNorm(input, _size, _gain, _bias);
}
