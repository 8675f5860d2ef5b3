using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Parametrizations;

/// <summary>The four parametrizations of Everett et al. (2024), as (a, b) exponents per layer class.</summary>
public enum AbcPreset
{
    Standard,
    Ntk,
    Mup,
    Meanfield,
}

/// <summary>Which alignment the learning-rate exponents c assume (Everett et al. 2024; docs/reference/abc.md).</summary>
public enum Alignment
{
    /// <summary>Updates fully aligned with activations (the Tensor Programs assumption).</summary>
    Full,
    /// <summary>No alignment (CLT-like sums).</summary>
    None,
}

/// <summary>How each tensor's Adam ε is set.</summary>
public enum EpsilonTreatment
{
    /// <summary>The optimizer's ε for every tensor.</summary>
    Constant,
    /// <summary>
    /// ε times the tensor's forward multiplier: the abc-symmetry (A→A·θ with ε→ε·θ) then holds exactly for Adam. It
    /// does not make ε follow each tensor's gradient scale across width (Everett et al. 2024's ε fix is another rule).
    /// </summary>
    Multiplier,
}

/// <summary>Exponents and constants of one layer class; unset exponents come from the preset.</summary>
public sealed class AbcLayerOptions
{
    [Description("Multiplier exponent: the layer uses multiplier * n^-a * W.")]
    public double? A { get; set; }

    [Description("Init exponent: W0 ~ N(0, (initScale * n^-b)^2).")]
    public double? B { get; set; }

    [Description("Learning-rate exponent: lr = eta * lrScale * (n / n_base)^-c.")]
    public double? C { get; set; }

    [Description("Constant factor of the forward multiplier.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Multiplier { get; set; } = 1.0;

    [Description("Constant factor of the init standard deviation.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double InitScale { get; set; } = 1.0;

    [Description("Constant factor of the learning rate.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double LrScale { get; set; } = 1.0;
}

/// <summary>Options of the <c>abc</c> parametrization.</summary>
public sealed class AbcOptions
{
    [Description("standard, ntk, mup or meanfield: the (a, b) exponents and, with the optimizer and alignment, the c exponents.")]
    public AbcPreset Preset { get; set; } = AbcPreset.Mup;

    [Description("Alignment assumed by the preset's learning-rate exponents: full or none.")]
    public Alignment Alignment { get; set; } = Alignment.Full;

    [Description("Adam epsilon per tensor: constant, or multiplier (times the forward multiplier, which keeps the abc-symmetry exact for Adam; it does not track the gradient's scale).")]
    public EpsilonTreatment Epsilon { get; set; } = EpsilonTreatment.Constant;

    [Description("Width at which eta is tuned: learning-rate exponents are applied to n / n_base.")]
    [Range(1, 1 << 20)]
    public int BaseWidth { get; set; } = 128;

    [Description("Embedding and input layers (fixed size -> width); n = fan-out.")]
    public AbcLayerOptions Embedding { get; set; } = new();

    [Description("Hidden layers (width -> width); n = fan-in.")]
    public AbcLayerOptions Hidden { get; set; } = new();

    [Description("Readout (width -> fixed size); n = fan-in.")]
    public AbcLayerOptions Readout { get; set; } = new();

    [Description("Attention logits are attnMultiplier * q.k / d_head.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AttnMultiplier { get; set; } = 1.0;
}
