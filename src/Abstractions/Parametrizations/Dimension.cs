namespace Forge.Abstractions.Parametrizations;

/// <summary>
/// One side (fan-in or fan-out) of a tensor: its size and whether it grows with model width. muP-style rules only
/// look at the dimensions that scale ("infinite" dimensions in Tensor Programs V); fixed ones (vocabulary, input
/// features, classes) stay the same at every width.
/// </summary>
/// <param name="Size">The size of the dimension in this model.</param>
/// <param name="ScalesWithWidth">True when the size is proportional to the model's width.</param>
public readonly record struct Dimension(long Size, bool ScalesWithWidth)
{
    /// <summary>A dimension proportional to the model width (d_model, d_ffn, heads x head dim).</summary>
    public static Dimension Width(long size) => new(size, true);

    /// <summary>A dimension that does not change with width (vocabulary, classes, input features, 1 for a bias).</summary>
    public static Dimension Fixed(long size) => new(size, false);

    /// <inheritdoc />
    public override string ToString() => ScalesWithWidth ? $"{Size} (width)" : $"{Size}";
}
