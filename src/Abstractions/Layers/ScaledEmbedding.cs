using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Abstractions.Layers;

/// <summary>
/// A lookup table of <c>vocabulary</c> vectors of size <c>width</c>, stored (vocabulary, width) like
/// <c>nn.Embedding</c>, looked up by the ops' <see cref="ModelOps.Embedding"/> (plain: the rows times the
/// parametrization's multiplier). Its role is <see cref="ParameterRole.Embedding"/>: fan-in is the (fixed)
/// vocabulary, fan-out the width.
/// </summary>
public sealed class ScaledEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly ModelOps _ops;

    /// <summary>Creates the table through <paramref name="factory"/> as <c>name.weight</c>.</summary>
    public ScaledEmbedding(ParameterFactory factory, string name, long vocabulary, Dimension width) : base(name)
    {
        _ops = factory.Ops;
        var descriptor = new ParameterDescriptor($"{name}.weight", ParameterRole.Embedding, new[] { vocabulary, width.Size },
            FanOut: width, FanIn: Dimension.Fixed(vocabulary));
        Weight = factory.Create(descriptor);
        register_parameter("weight", Weight.Value);
    }

    /// <summary>The table and the parametrization's decision for it (for tying a readout to it).</summary>
    public ScaledParameter Weight { get; }

    /// <inheritdoc />
    public override Tensor forward(Tensor tokens) => _ops.Embedding(tokens, Weight);
}
