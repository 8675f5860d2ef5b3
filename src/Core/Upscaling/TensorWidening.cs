namespace Forge.Core.Upscaling;

/// <summary>
/// How one checkpoint tensor becomes the wider model's tensor: tiled <see cref="Repeats"/> times along each dimension,
/// then multiplied by <see cref="WeightScale"/>; its gradient in the wider model is <see cref="GradientRatio"/> times the
/// narrow one (entry for entry), which is how its optimizer state and Adam's ε are carried over.
/// </summary>
/// <param name="Name">The tensor's name in both models.</param>
/// <param name="Repeats">Per dimension: 1, or the widening factor for a dimension that scales with width.</param>
/// <param name="WeightScale">α_narrow / α_wide (the parametrization's forward multipliers), divided by the factor when the tensor sums over a widened dimension.</param>
/// <param name="GradientRatio">(α_wide / α_narrow) · (divisor / copies): each copy's share of the narrow gradient.</param>
public sealed record TensorWidening(string Name, long[] Repeats, double WeightScale, double GradientRatio)
{
    /// <summary>Whether any dimension is widened.</summary>
    public bool Widened => Repeats.Any(r => r != 1);
}
