using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// Width multipliers of a tensor relative to its base. With a base model (<see cref="ParametrizationContext.BaseModel"/>,
/// microsoft/mup's <c>set_base_shapes</c>), every dimension that scales with width is its size over the same tensor's
/// size in the base model, so dimensions may scale independently. Otherwise they are derived analytically (no base
/// model is built): every dimension that scales with width is <c>width / baseWidth</c> times its base size (so
/// d_ffn = 4·d_model has base 4·baseWidth); fixed dimensions have multiplier 1.
/// </summary>
public readonly record struct WidthMultipliers(double FanIn, double FanOut)
{
    public static WidthMultipliers Of(ParameterDescriptor parameter, ParametrizationContext context, int baseWidth)
    {
        if (Base(parameter, context) is { } b)
            return new WidthMultipliers(Ratio(parameter.FanIn, b.FanIn), Ratio(parameter.FanOut, b.FanOut));
        double m = (double)context.Model.Width / baseWidth;
        return new WidthMultipliers(parameter.FanIn.ScalesWithWidth ? m : 1.0, parameter.FanOut.ScalesWithWidth ? m : 1.0);
    }

    /// <summary>The base size of <paramref name="parameter"/>'s fan-in.</summary>
    public static double BaseFanIn(ParameterDescriptor parameter, ParametrizationContext context, int baseWidth) =>
        Base(parameter, context) is { } b ? b.FanIn.Size : BaseSize(parameter.FanIn, context, baseWidth);

    /// <summary>The base size of the fan-in of <paramref name="parameter"/>'s layer (a bias's weight; the tensor's own otherwise).</summary>
    public static double BaseLayerFanIn(ParameterDescriptor parameter, ParametrizationContext context, int baseWidth) =>
        Base(parameter, context) is { } b ? (b.LayerFanIn ?? b.FanIn).Size : BaseSize(parameter.LayerFanIn ?? parameter.FanIn, context, baseWidth);

    /// <summary>The base-width size of <paramref name="dimension"/> (the analytic rule).</summary>
    public static double BaseSize(Dimension dimension, ParametrizationContext context, int baseWidth) =>
        dimension.ScalesWithWidth ? dimension.Size * (double)baseWidth / context.Model.Width : dimension.Size;

    private static double Ratio(Dimension target, Dimension baseDimension) => target.ScalesWithWidth ? (double)target.Size / baseDimension.Size : 1.0;

    private static ParameterDescriptor? Base(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (context.BaseModel is null)
            return null;
        return context.BaseModel.TryGetValue(parameter.Name, out var b)
            ? b
            : throw new PluginException($"parametrization.base: the base model has no tensor {parameter.Name}. The base may change sizes (width, headDim, heads, mlpRatio), not what the model is made of (depth, biases, tied embeddings).");
    }
}
