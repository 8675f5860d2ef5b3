using Forge.Abstractions.Parametrizations;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// <c>y = A_w · x Wᵀ + A_b · b</c>, with W, b and their multipliers A from the parametrization. The drop-in for
/// <c>nn.Linear</c> in a parametrized model.
/// </summary>
public sealed class ScaledLinear : nn.Module<Tensor, Tensor>
{
    private readonly double _weightMultiplier;
    private readonly double _biasMultiplier;
    private readonly Precision.IPrecisionPlugin _precision;

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
        _precision = factory.Precision;
        var weight = factory.Weight($"{name}.weight", role, outputs, inputs, tags);
        _weightMultiplier = weight.Multiplier;
        register_parameter("weight", weight.Value);
        if (bias)
        {
            var b = factory.Bias($"{name}.bias", outputs, inputs);
            _biasMultiplier = b.Multiplier;
            register_parameter("bias", b.Value);
        }
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        var weight = get_parameter("weight")!;
        var output = _precision.Linear(input, weight);
        if (_weightMultiplier != 1.0)
            output = output.mul(_weightMultiplier);
        var bias = get_parameter("bias");
        if (bias is not null)
            output = _biasMultiplier == 1.0 ? output.add(bias) : output.add(bias, _biasMultiplier);
        return output;
    }
}
