namespace Forge.Abstractions.Parametrizations;

/// <summary>The sizes a model scales along; parametrizations compare them with their base sizes.</summary>
/// <param name="Width">The model width (d_model, or the hidden width of an MLP).</param>
/// <param name="Depth">The number of hidden layers or residual blocks.</param>
public sealed record ModelDimensions(int Width, int Depth);
