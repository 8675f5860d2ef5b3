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

    [Description("Learning-rate rule of embeddings: umup (x width^-1/2, the rule u-muP found better; default) or mup (x 1, muP's, under which a model widened by forge upscale stays on the narrow model's trajectory).")]
    public EmbeddingLearningRate EmbeddingLr { get; set; } = EmbeddingLearningRate.Umup;
}

/// <summary>The learning-rate rule of embedding tables under <c>umup</c>.</summary>
public enum EmbeddingLearningRate
{
    /// <summary>× width^-½ (the library's fan_in of a (vocabulary, width) table is its width): u-μP's rule (Blake et al. 2024), which trained better than μP's in the paper.</summary>
    Umup,

    /// <summary>
    /// × 1, μP's rule (Tensor Programs V, Table 3): the one under which widening a model by duplicating units keeps it on
    /// the narrow model's trajectory, since an embedding is only tiled while u-μP's rule would slow its updates by √k.
    /// </summary>
    Mup,
}
