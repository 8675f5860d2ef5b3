namespace Forge.Abstractions.Parametrizations;

/// <summary>Everything a parametrization needs to know about one tensor to decide its scaling.</summary>
/// <param name="Name">The tensor's name within the model, e.g. <c>layers.0.weight</c>.</param>
/// <param name="Role">What the tensor does.</param>
/// <param name="Shape">The stored shape; weights are stored (fan_out, fan_in) as in <c>nn.Linear</c>.</param>
/// <param name="FanOut">The output side. For a bias or norm gain this is its length.</param>
/// <param name="FanIn">The input side. For a bias or norm gain this is <c>Dimension.Fixed(1)</c>.</param>
public sealed record ParameterDescriptor(string Name, ParameterRole Role, long[] Shape, Dimension FanOut, Dimension FanIn)
{
    /// <summary>Special purposes a rule may care about (attention query, residual output projection).</summary>
    public ParameterTags Tags { get; init; }

    /// <summary>
    /// The residual block (0-based) the tensor belongs to, or null outside the repeated blocks (embeddings, final
    /// norm, readout). Set by <see cref="ParameterFactory.Block"/>; depth rules (u-μP's depth^-½ learning rates,
    /// Depth-μP) use it.
    /// </summary>
    public int? Block { get; init; }

    /// <summary>For a <see cref="ParameterRole.Bias"/>: the fan-in of the layer it belongs to (PyTorch's default bias init uses it).</summary>
    public Dimension? LayerFanIn { get; init; }

    /// <summary>True for the bias of a readout: a layer from a width-scaled fan-in to a fixed fan-out.</summary>
    public bool IsReadoutBias => Role == ParameterRole.Bias && !FanOut.ScalesWithWidth && LayerFanIn?.ScalesWithWidth == true;

    /// <summary>How many of fan-in and fan-out scale with width: 0 scalar-like, 1 vector-like, 2 matrix-like (TP5's classes).</summary>
    public int WidthDimensions => (FanOut.ScalesWithWidth ? 1 : 0) + (FanIn.ScalesWithWidth ? 1 : 0);
}
