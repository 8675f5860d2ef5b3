using Forge.Abstractions.Parametrizations;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// Width multipliers of a tensor relative to a base width, derived analytically (no base model is built): every
/// dimension that scales with width is <c>width / baseWidth</c> times its base size (so d_ffn = 4·d_model has base
/// 4·baseWidth); fixed dimensions have multiplier 1. This is microsoft/mup's <c>InfShape</c> for a model whose
/// width dimensions all grow together.
/// </summary>
public readonly record struct WidthMultipliers(double FanIn, double FanOut)
{
    public static WidthMultipliers Of(ParameterDescriptor parameter, ParametrizationContext context, int baseWidth)
    {
        double m = (double)context.Model.Width / baseWidth;
        return new WidthMultipliers(parameter.FanIn.ScalesWithWidth ? m : 1.0, parameter.FanOut.ScalesWithWidth ? m : 1.0);
    }

    /// <summary>The base-width size of <paramref name="dimension"/>.</summary>
    public static double BaseSize(Dimension dimension, ParametrizationContext context, int baseWidth) =>
        dimension.ScalesWithWidth ? dimension.Size * (double)baseWidth / context.Model.Width : dimension.Size;
}
