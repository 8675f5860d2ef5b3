using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// A linear layer whose W and b (and their multipliers) come from the parametrization and whose product is the
/// ops' <see cref="ModelOps.Linear"/> (plain: <c>y = A_w · x Wᵀ + A_b · b</c>). The drop-in for <c>nn.Linear</c>
/// in a parametrized model.
/// </summary>
public sealed class ScaledLinear : nn.Module<Tensor, Tensor>
{
    private readonly ModelOps _ops;
    private readonly ScaledParameter _weight;
    private readonly ScaledParameter? _bias;

    /// <summary>Creates the layer's tensors through <paramref name="factory"/>.</summary>
    /// <param name="factory">The run's parameter factory.</param>
    /// <param name="name">The layer's name, e.g. <c>layers.0</c>; tensors are named <c>name.weight</c> and <c>name.bias</c>.</param>
    /// <param name="role">Input, Hidden or Output.</param>
    /// <param name="inputs">Fan-in.</param>
    /// <param name="outputs">Fan-out.</param>
    /// <param name="bias">Whether the layer has a bias.</param>
    /// <param name="tags">Special purposes of the weight (attention query, residual output).</param>
    public ScaledLinear(ParameterFactory factory, string name, ParameterRole role, Dimension inputs, Dimension outputs, bool bias = true,
        ParameterTags tags = ParameterTags.None)
        : base(name)
    {
        _ops = factory.Ops;
        _weight = factory.Weight($"{name}.weight", role, outputs, inputs, tags);
        register_parameter("weight", _weight.Value);
        if (bias)
        {
            _bias = factory.Bias($"{name}.bias", outputs, inputs);
            register_parameter("bias", _bias.Value);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => _ops.Linear(input, _weight, _bias);
}
