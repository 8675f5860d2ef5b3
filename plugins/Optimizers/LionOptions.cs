using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Optimizers;

namespace Forge.Plugins.Optimizers;

/// <summary>The <c>optimizer</c> section of a spec that selects <c>lion</c>.</summary>
public sealed class LionOptions : IValidatableObject
{
    /// <summary>Learning rate; Lion's sign update is larger than Adam's, so use 3–10x smaller rates.</summary>
    [Description("Learning rate (3-10x smaller than AdamW's).")]
    [Range(0.0, 10.0, MinimumIsExclusive = true)]
    public double Lr { get; set; } = 1e-4;

    /// <summary>Interpolation between momentum and gradient for the update direction.</summary>
    [Description("beta1: momentum/gradient mix of the update direction.")]
    [Range(0.0, 0.999999)]
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Momentum decay.</summary>
    [Description("beta2: momentum decay.")]
    [Range(0.0, 0.999999)]
    public double Beta2 { get; set; } = 0.99;

    /// <summary>Weight decay λ (the paper uses 3–10x larger λ than AdamW's, so that lr·λ stays the same).</summary>
    [Description("Weight decay lambda (3-10x larger than AdamW's), scaled per tensor by the parametrization; applied as weightDecayMode says, to the roles in training.weightDecayRoles.")]
    [Range(0.0, 100.0)]
    public double WeightDecay { get; set; }

    /// <summary>Decoupled (the paper's, w -= lr·λ·w) or independent (w -= λ·s(t)·w).</summary>
    [Description("decoupled (w -= lr * lambda * w each step, the paper's) or independent (w -= lambda * schedule * w); coupled L2 is not offered: the sign update discards the gradient's size.")]
    public WeightDecayMode WeightDecayMode { get; set; } = WeightDecayMode.Decoupled;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        WeightDecayCoefficient.RefuseCoupled(WeightDecayMode, "lion", "an L2 term in the gradient would vanish in the sign");
}
