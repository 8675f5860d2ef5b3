using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// <c>y = A · x Wᵀ</c> with a weight owned by another layer (a readout tied to the token embedding). The weight is
/// not registered again, so it is trained once, with its owner's learning rate; A is the multiplier the
/// parametrization gives this use (see <see cref="ParameterFactory.Tie"/>).
/// </summary>
public sealed class TiedLinear : nn.Module<Tensor, Tensor>
{
    private readonly ScaledParameter _weight;
    private readonly ModelOps _ops;

    /// <summary>Creates the layer over <paramref name="tied"/>, the result of <see cref="ParameterFactory.Tie"/>.</summary>
    public TiedLinear(ParameterFactory factory, string name, ScaledParameter tied) : base(name)
    {
        _weight = tied;
        _ops = factory.Ops;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _ops.Linear(input, _weight);
}
