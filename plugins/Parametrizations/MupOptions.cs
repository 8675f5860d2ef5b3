using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Forge.Plugins.Parametrizations;

/// <summary>Options of the <c>mup</c> parametrization.</summary>
public sealed class MupOptions : IValidatableObject
{
    [Description("Width at which the hyperparameters were tuned (the proxy's width); at this width muP equals SP up to zero inits and the attention scale.")]
    [Range(1, 1 << 20)]
    public int BaseWidth { get; set; } = 128;

    [Description("The base model as overrides of the model section, e.g. { \"width\": 64, \"headDim\": 16 } (microsoft/mup's set_base_shapes): each tensor dimension's multiplier is its size over the same tensor's size in that model, so heads, head size and MLP width may scale independently; baseWidth is then not used.")]
    public JsonObject? Base { get; set; }

    [Description("alpha_in: multiplier on embedding (and input-layer) outputs.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double InputMultiplier { get; set; } = 1.0;

    [Description("alpha_out: the readout computes alpha_out / m * x W^T (MuReadout).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double OutputMultiplier { get; set; } = 1.0;

    [Description("alpha_attn: attention logits are alpha_attn * q.k / d_head (mup's README suggests 8 for d_head 64).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AttnMultiplier { get; set; } = 1.0;

    [Description("Multiplier on the initial scale of embeddings and input-layer weights (TP5 tunes an initializer multiplier per role; 1 keeps the rule's init).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double InputInitScale { get; set; } = 1.0;

    [Description("Multiplier on the initial scale of hidden weights (TP5's sigma_init; the rule's width scaling stays).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double HiddenInitScale { get; set; } = 1.0;

    [Description("Multiplier on the initial scale of the readout weight when zeroReadout is false (a zero readout stays zero).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double OutputInitScale { get; set; } = 1.0;

    [Description("Zero-initialise the readout weight (TP5's recommendation; makes step-1 outputs identical at every width).")]
    public bool ZeroReadout { get; set; } = true;

    [Description("Zero-initialise the attention query projection.")]
    public bool ZeroQuery { get; set; } = true;

    [Description("Leave every weight-decay factor at 1, as microsoft/mup's MuAdamW/MuSGD do with decoupled_wd=True: under decoupled decay each tensor then loses its own rate times lambda (hidden matrices lr*lambda/m_in). Default false: lr*wd stays width-independent, and independent decay removes lambda*s(t) from every tensor (what mup's flag is meant for); the flag is refused with independent decay.")]
    public bool DecoupledWeightDecay { get; set; }

    [Description("Adam's epsilon per tensor: constant (microsoft/mup; default) or gradient (epsilon / m for every tensor with a width dimension, following its gradient, which shrinks like 1/m under muP: Everett et al. 2024's fix, so a large epsilon does not swamp the wide model's second moments).")]
    public MupEpsilon Epsilon { get; set; } = MupEpsilon.Constant;

    [Description("Depth rule on top of muP: none (branches x 1, microsoft/mup), depthMup (branches x m_L^-1/2, Tensor Programs VI) or completep (branches x m_L^-alpha with CompleteP's learning-rate and epsilon corrections inside the blocks, Dey et al. 2025); m_L = depth / baseDepth.")]
    public DepthRule DepthRule { get; set; } = DepthRule.None;

    [Description("alpha of the completep rule, in [0.5, 1] (1: CompleteP; 0.5: Depth-muP). Default 1; not used by depthMup (alpha 0.5).")]
    [Range(0.5, 1.0)]
    public double? DepthAlpha { get; set; }

    [Description("Depth (number of residual blocks) at which the hyperparameters were tuned: m_L = depth / baseDepth.")]
    [Range(1, 1 << 16)]
    public int BaseDepth { get; set; } = 2;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DepthAlpha is not null && DepthRule != DepthRule.CompleteP)
            yield return new ValidationResult($"depthAlpha is the exponent of depthRule \"completep\" (Depth-muP's is 1/2 by definition); set depthRule to \"completep\" or remove depthAlpha.", new[] { nameof(DepthAlpha) });
    }
}

/// <summary>How <c>mup</c> sets each tensor's Adam ε.</summary>
public enum MupEpsilon
{
    /// <summary>The optimizer's ε for every tensor (microsoft/mup).</summary>
    Constant,

    /// <summary>
    /// ε / m for every tensor with a width dimension (m its width multiplier: fan-in for matrix-like tensors, the one
    /// width multiplier for vector-like ones), ε for scalar-like ones (the readout bias): under μP every gradient but
    /// the readout bias's shrinks like 1/m, so ε keeps its size relative to √v at every width (Everett et al. 2024's
    /// per-layer ε; CompleteP's Table 1 writes ε/m_N for the hidden weights).
    /// </summary>
    Gradient,
}
