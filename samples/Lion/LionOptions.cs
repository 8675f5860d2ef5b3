using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Samples.Lion;

/// <summary>The <c>optimizer</c> section of a spec that selects <c>lion</c>.</summary>
public sealed class LionOptions
{
    /// <summary>Learning rate; Lion's sign update is larger than Adam's, so use 3–10x smaller rates.</summary>
    [Description("Learning rate (3-10x smaller than AdamW's).")]
    [Range(0.0, 10.0)]
    public double Lr { get; set; } = 1e-4;

    /// <summary>Interpolation between momentum and gradient for the update direction.</summary>
    [Description("beta1: momentum/gradient mix of the update direction.")]
    [Range(0.0, 0.999999)]
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Momentum decay.</summary>
    [Description("beta2: momentum decay.")]
    [Range(0.0, 0.999999)]
    public double Beta2 { get; set; } = 0.99;

    /// <summary>Decoupled weight decay (scaled by the learning rate, as in AdamW).</summary>
    [Description("Decoupled weight decay, w -= lr * weightDecay * w.")]
    [Range(0.0, 100.0)]
    public double WeightDecay { get; set; }
}
