using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Samples.Signum;

/// <summary>The <c>optimizer</c> section of a spec that selects <c>signum</c>.</summary>
public sealed class SignumOptions
{
    /// <summary>Learning rate; a sign update is larger than Adam's, so use 3–10x smaller rates.</summary>
    [Description("Learning rate (3-10x smaller than AdamW's).")]
    [Range(0.0, 10.0)]
    public double Lr { get; set; } = 1e-4;

    /// <summary>Momentum decay β.</summary>
    [Description("beta: momentum decay.")]
    [Range(0.0, 0.999999)]
    public double Momentum { get; set; } = 0.9;

    /// <summary>Decoupled weight decay (scaled by the learning rate, as in AdamW).</summary>
    [Description("Decoupled weight decay, w -= lr * weightDecay * w.")]
    [Range(0.0, 100.0)]
    public double WeightDecay { get; set; }
}
