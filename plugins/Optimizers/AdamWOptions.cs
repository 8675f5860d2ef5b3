using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Optimizers;

namespace Forge.Plugins.Optimizers;

/// <summary>Options of the <c>adamw</c> optimizer.</summary>
public sealed class AdamWOptions
{
    [Description("Global learning rate (scaled per tensor by the parametrization).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Lr { get; set; } = 1e-3;

    [Description("Exponential decay of the first moment.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Beta1 { get; set; } = 0.9;

    [Description("Exponential decay of the second moment.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Beta2 { get; set; } = 0.999;

    [Description("Added to the denominator for numerical stability (scaled per tensor by the parametrization).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Eps { get; set; } = 1e-8;

    [Description("Weight decay lambda, scaled per tensor by the parametrization; applied as weightDecayMode says, to the roles in training.weightDecayRoles.")]
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; set; } = 0.01;

    [Description("decoupled (AdamW: w -= lr * lambda * w each step), coupled (Adam with L2: lambda * w added to the gradient) or independent (w -= lambda * schedule * w, whatever the learning rate).")]
    public WeightDecayMode WeightDecayMode { get; set; } = WeightDecayMode.Decoupled;

    [Description("Adam-atan2 (Everett et al. 2024): the step is a*atan2(m, b*sqrt(v)) with a = 1.27, b = 1 instead of m/(sqrt(v)+eps), bounded, invariant to the gradient's scale and without eps (eps is then not used).")]
    public bool Atan2 { get; set; }
}
