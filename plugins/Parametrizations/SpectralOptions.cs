using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Parametrizations;

/// <summary>Options of the <c>spectral</c> parametrization.</summary>
public sealed class SpectralOptions
{
    [Description("Width at which the learning rate is tuned; per-layer learning rates are relative to their value at this width.")]
    [Range(1, 1 << 20)]
    public int BaseWidth { get; set; } = 128;

    [Description("Multiplies every weight's init standard deviation (the Θ constant).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double InitScale { get; set; } = 1.0;

    [Description("Attention logits are attnMultiplier * q.k / d_head.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AttnMultiplier { get; set; } = 1.0;
}
