using Forge.Abstractions.Optimizers;

namespace Forge.Plugins.Optimizers;

/// <summary>The decay coefficient an optimizer group gets in each mode.</summary>
public static class WeightDecayCoefficient
{
    /// <summary>
    /// The options error for an optimizer whose update discards the gradient's size (a sign, an orthogonalisation), so
    /// an L2 term in the gradient would not act as decay: only decoupled and independent decay are offered.
    /// </summary>
    public static IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> RefuseCoupled(WeightDecayMode mode, string optimizer, string why)
    {
        if (mode == WeightDecayMode.Coupled)
            yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                $"{optimizer} offers decoupled and independent weight decay, not coupled ({why}); use \"decoupled\" or \"independent\".",
                new[] { "WeightDecayMode" });
    }

    /// <summary>
    /// The coefficient to give the group's update rule: <paramref name="lambda"/> × <paramref name="factor"/> for
    /// coupled and decoupled decay, divided by <paramref name="learningRate"/> (the global rate the spec tunes) for
    /// independent decay.
    /// </summary>
    public static double Of(WeightDecayMode mode, double lambda, double factor, double learningRate) => mode switch
    {
        WeightDecayMode.Independent => lambda * factor / learningRate,
        _ => lambda * factor,
    };
}
