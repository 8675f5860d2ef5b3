using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// RMS norm (Zhang and Sennrich 2019, as in Llama) over a width-sized last dimension, with a gain of role
/// <see cref="ParameterRole.NormGain"/> when the ops have affine norms, and no bias. Added in 1.2.
/// </summary>
public sealed class ScaledRmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly long _size;
    private readonly ModelOps _ops;
    private readonly ScaledParameter? _gain;

    /// <summary>Creates the norm's gain (if any) as <c>name.weight</c>.</summary>
    public ScaledRmsNorm(ParameterFactory factory, string name, Dimension size) : base(name)
    {
        _size = size.Size;
        _ops = factory.Ops;
        if (!_ops.AffineNorms)
            return;
        _gain = factory.NormParameter($"{name}.weight", ParameterRole.NormGain, size);
        register_parameter("weight", _gain.Value);
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _ops.RmsNorm(input, _size, _gain);
}
