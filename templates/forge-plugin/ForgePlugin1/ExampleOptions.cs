using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace ForgePlugin1;

/// <summary>The spec section of the plugin (every field besides "name"); Forge validates it before training.</summary>
public sealed class ExampleOptions
{
    /// <summary>The width the hyperparameters were tuned at.</summary>
    [Description("Width the hyperparameters were tuned at.")]
    [Range(1, 1 << 20)]
    public int BaseWidth { get; set; } = 128;

    /// <summary>Extra multiplier on the readout's output.</summary>
    [Description("Extra multiplier on the readout's output.")]
    [Range(0.0, 1000.0)]
    public double OutputMultiplier { get; set; } = 1.0;
}
