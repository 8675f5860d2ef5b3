using Forge.Abstractions.Parametrizations;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// A lookup table of <c>vocabulary</c> vectors of size <c>width</c>, stored (vocabulary, width) like
/// <c>nn.Embedding</c> and multiplied by the parametrization's forward multiplier. Its role is
/// <see cref="ParameterRole.Embedding"/>: fan-in is the (fixed) vocabulary, fan-out the width.
/// </summary>
public sealed class ScaledEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly double _multiplier;

    /// <summary>Creates the table through <paramref name="factory"/> as <c>name.weight</c>.</summary>
    public ScaledEmbedding(ParameterFactory factory, string name, long vocabulary, Dimension width) : base(name)
    {
        var descriptor = new ParameterDescriptor($"{name}.weight", ParameterRole.Embedding, new[] { vocabulary, width.Size },
            FanOut: width, FanIn: Dimension.Fixed(vocabulary));
        var weight = factory.Create(descriptor);
        Weight = weight;
        _multiplier = weight.Multiplier;
        register_parameter("weight", weight.Value);
    }

    /// <summary>The table and the parametrization's decision for it (for tying a readout to it).</summary>
    public ScaledParameter Weight { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor tokens)
    {
        var weight = get_parameter("weight")!;
        var shape = tokens.shape.Append(weight.shape[1]).ToArray();
        var output = weight.index_select(0, tokens.flatten()).view(shape);
        return _multiplier == 1.0 ? output : output.mul(_multiplier);
    }
}
