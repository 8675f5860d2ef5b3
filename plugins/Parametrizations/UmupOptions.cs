using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Parametrizations;

/// <summary>Options of the <c>umup</c> parametrization: u-μP's hyperparameters with the paper's defaults (all 1; docs/reference/umup.md).</summary>
public sealed class UmupOptions
{
    [Description("alpha_res: weight of the residual branches relative to the embedding in the residual stream (tau rule).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AlphaRes { get; set; } = 1.0;

    [Description("alpha_res_attn_ratio: weight of the attention branches relative to the MLP branches.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AlphaResAttnRatio { get; set; } = 1.0;

    [Description("alpha_attn (alpha_attn_softmax): attention logits are alpha_attn * q.k / d_head.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AlphaAttn { get; set; } = 1.0;

    [Description("alpha_ffn_act: temperature of the MLP nonlinearity, gelu(alpha * x) / alpha.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AlphaFfnAct { get; set; } = 1.0;

    [Description("alpha_loss_softmax: multiplier on the logits inside the loss's softmax.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AlphaLossSoftmax { get; set; } = 1.0;

    [Description("Depth rule: learning rates of tensors inside the residual blocks are multiplied by depth^-1/2.")]
    public bool DepthScaling { get; set; } = true;

    [Description("Give norms trainable gains and biases (u-muP's default is non-trainable norms).")]
    public bool TrainableNorms { get; set; }
}
