using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Samples.CompleteP;

/// <summary>The <c>parametrization</c> section of a spec that selects <c>completep</c>.</summary>
public sealed class CompletePOptions
{
    /// <summary>The width the hyperparameters were tuned at (m_N = width / baseWidth).</summary>
    [Description("Width the hyperparameters were tuned at; m_N = width / baseWidth.")]
    [Range(1, 1 << 20)]
    public int BaseWidth { get; set; } = 128;

    /// <summary>The depth the hyperparameters were tuned at (m_L = depth / baseDepth).</summary>
    [Description("Depth (residual blocks) the hyperparameters were tuned at; m_L = depth / baseDepth.")]
    [Range(1, 1 << 16)]
    public int BaseDepth { get; set; } = 2;

    /// <summary>The depth exponent: residual branches are multiplied by m_L^-α; ½ is Depth-μP, 1 is CompleteP.</summary>
    [Description("Depth exponent alpha in [0.5, 1]: 0.5 = Depth-muP, 1 = CompleteP.")]
    [Range(0.5, 1.0)]
    public double Alpha { get; set; } = 1.0;

    /// <summary>Standard deviation of the initialization at the base width.</summary>
    [Description("Init standard deviation at the base width (sigma).")]
    [Range(1e-6, 10.0)]
    public double InitStd { get; set; } = 0.02;
}
