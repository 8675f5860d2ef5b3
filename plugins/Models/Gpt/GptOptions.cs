using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Models.Gpt;

/// <summary>How positions enter the model.</summary>
public enum PositionEncoding
{
    /// <summary>A learned embedding per position, added to the token embedding (GPT-2, nanoGPT).</summary>
    Learned,
    /// <summary>No positional information besides the causal mask (NoPE).</summary>
    None,
}

/// <summary>Which attention implementation to run; both use the parametrization's logit scale.</summary>
public enum AttentionKernel
{
    /// <summary>libtorch's fused scaled_dot_product_attention (the scale enters by pre-scaling the queries).</summary>
    Sdpa,
    /// <summary>Explicit q·kᵀ, causal mask, softmax, ·v.</summary>
    Explicit,
}

/// <summary>Options of the <c>gpt</c> model.</summary>
public sealed class GptOptions : IValidatableObject
{
    [Description("Model width d_model.")]
    [Range(1, 1 << 16)]
    public int Width { get; set; } = 128;

    [Description("Number of transformer blocks.")]
    [Range(1, 1024)]
    public int Depth { get; set; } = 4;

    [Description("Attention heads; give heads or headDim (default: 4 heads).")]
    [Range(1, 1 << 12)]
    public int? Heads { get; set; }

    [Description("Size of each attention head; give heads or headDim.")]
    [Range(1, 1 << 12)]
    public int? HeadDim { get; set; }

    [Description("MLP hidden size as a multiple of width.")]
    [Range(1, 64)]
    public int MlpRatio { get; set; } = 4;

    [Description("Longest sequence the model accepts; defaults to the dataset's context.")]
    [Range(1, 1 << 20)]
    public int? Context { get; set; }

    [Description("Vocabulary size; defaults to the dataset's.")]
    [Range(1, 1 << 24)]
    public int? Vocab { get; set; }

    [Description("learned positional embeddings, or none.")]
    public PositionEncoding Positions { get; set; } = PositionEncoding.Learned;

    [Description("Use the token embedding as the readout weight.")]
    public bool TieEmbeddings { get; set; }

    [Description("Biases in linear layers and LayerNorms.")]
    public bool Bias { get; set; } = true;

    [Description("sdpa (libtorch's fused kernel) or explicit softmax attention.")]
    public AttentionKernel Attention { get; set; } = AttentionKernel.Sdpa;

    /// <summary>Heads after defaults: the given number, width / headDim, or 4.</summary>
    public int ResolvedHeads => Heads ?? (HeadDim is { } d ? Width / d : 4);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Width < 1 || Heads < 1 || HeadDim < 1)
            yield break; // the range checks report these
        if (Heads is not null && HeadDim is not null)
            yield return new ValidationResult("give either heads or headDim, not both.", new[] { nameof(HeadDim) });
        else if (HeadDim is { } d && Width % d != 0)
            yield return new ValidationResult($"width {Width} is not a multiple of headDim {d}.", new[] { nameof(HeadDim) });
        else if (Width % ResolvedHeads != 0)
            yield return new ValidationResult($"width {Width} is not divisible by {ResolvedHeads} heads; choose heads (or headDim) that divide it.", new[] { nameof(Heads) });
    }
}
