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
    /// <summary>Vaswani et al.'s fixed sines and cosines, scaled to unit RMS, added to the token embedding.</summary>
    Sinusoidal,
    /// <summary>Rotary position embedding (Su et al. 2021): queries and keys rotated by their position, no parameters.</summary>
    Rope,
    /// <summary>ALiBi (Press et al. 2022): a bias −m_h·(i − j) on the attention logits, slope m_h = 2^(−8h/H) for head h of H.</summary>
    Alibi,
}

/// <summary>The normalization before each branch and before the readout.</summary>
public enum NormKind
{
    /// <summary>LayerNorm (GPT-2).</summary>
    Layer,
    /// <summary>RMSNorm (Llama): no centring, no bias.</summary>
    Rms,
}

/// <summary>The block's MLP.</summary>
public enum MlpKind
{
    /// <summary>width → hidden, GELU, → width (GPT-2).</summary>
    Gelu,
    /// <summary>SwiGLU (Shazeer 2020, Llama): down(up(x) · silu(gate(x))), three matrices.</summary>
    Swiglu,
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

    [Description("MLP hidden size as a multiple of width (Llama's SwiGLU: 8/3 ≈ 2.6667, with mlpMultipleOf 256).")]
    [Range(0.01, 64)]
    public double MlpRatio { get; set; } = 4;

    [Description("Round the MLP's hidden size up to a multiple of this (Llama: 256).")]
    [Range(1, 1 << 16)]
    public int MlpMultipleOf { get; set; } = 1;

    [Description("gelu (width → hidden → width) or swiglu (gate, up and down matrices).")]
    public MlpKind Mlp { get; set; } = MlpKind.Gelu;

    [Description("layer (LayerNorm) or rms (RMSNorm, no bias).")]
    public NormKind Norm { get; set; } = NormKind.Layer;

    [Description("Key/value heads (grouped-query attention; 1 is multi-query); must divide heads. Default: heads.")]
    [Range(1, 1 << 12)]
    public int? KvHeads { get; set; }

    [Description("Query heads per key/value head (grouped-query attention; Hugging Face's num_key_value_groups): kvHeads = heads / kvGroups, so with headDim fixed the key/value heads grow with the width and the groups stay. Give kvHeads or kvGroups.")]
    [Range(1, 1 << 12)]
    public int? KvGroups { get; set; }

    [Description("Normalise queries and keys per head (RMS over the head's coordinates, no gain) before their product.")]
    public bool QkNorm { get; set; }

    [Description("Dropout rate after the embedding (training only).")]
    [Range(0.0, 0.95)]
    public double EmbeddingDropout { get; set; }

    [Description("Dropout rate of the attention probabilities (training only; runs the explicit product).")]
    [Range(0.0, 0.95)]
    public double AttentionDropout { get; set; }

    [Description("Dropout rate of each residual branch's output (training only).")]
    [Range(0.0, 0.95)]
    public double ResidualDropout { get; set; }

    [Description("Stochastic depth (drop path): the rate at which the last block's residual branches skip an example in training, rising linearly from 0 at the first block (as in DeiT and AugReg's ViTs).")]
    [Range(0.0, 0.95)]
    public double StochasticDepth { get; set; }

    [Description("RoPE's base (positions: rope).")]
    [Range(1.0, 1e12)]
    public double RopeBase { get; set; } = 10000;

    [Description("Longest sequence the model accepts; defaults to the dataset's context.")]
    [Range(1, 1 << 20)]
    public int? Context { get; set; }

    [Description("Vocabulary size; defaults to the dataset's.")]
    [Range(1, 1 << 24)]
    public int? Vocab { get; set; }

    [Description("learned positional embeddings, none, sinusoidal, rope or alibi.")]
    public PositionEncoding Positions { get; set; } = PositionEncoding.Learned;

    [Description("Use the token embedding as the readout weight.")]
    public bool TieEmbeddings { get; set; }

    [Description("Biases in linear layers and LayerNorms.")]
    public bool Bias { get; set; } = true;

    [Description("sdpa (libtorch's fused kernel) or explicit softmax attention.")]
    public AttentionKernel Attention { get; set; } = AttentionKernel.Sdpa;

    /// <summary>Heads after defaults: the given number, width / headDim, or 4.</summary>
    public int ResolvedHeads => Heads ?? (HeadDim is { } d ? Width / d : 4);

    /// <summary>Key/value heads after defaults: the given number, heads / kvGroups, or heads.</summary>
    public int ResolvedKvHeads => KvHeads ?? (KvGroups is { } g ? ResolvedHeads / g : ResolvedHeads);

    /// <summary>The MLP's hidden size: mlpRatio · width rounded up to a multiple of mlpMultipleOf.</summary>
    public long HiddenSize => (long)Math.Ceiling(Width * MlpRatio / MlpMultipleOf) * MlpMultipleOf;

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
        else
        {
            if (KvHeads is not null && KvGroups is not null)
                yield return new ValidationResult("give either kvHeads or kvGroups, not both.", new[] { nameof(KvGroups) });
            else if (KvGroups is { } g && g >= 1 && ResolvedHeads % g != 0)
                yield return new ValidationResult($"kvGroups {g} does not divide the {ResolvedHeads} heads; choose kvGroups among the divisors of {ResolvedHeads}.", new[] { nameof(KvGroups) });
            else if (KvHeads is { } kv && kv >= 1 && ResolvedHeads % kv != 0)
                yield return new ValidationResult($"{kv} key/value heads do not divide the {ResolvedHeads} heads; choose kvHeads among the divisors of {ResolvedHeads}.", new[] { nameof(KvHeads) });
            if (Positions == PositionEncoding.Rope && Width / ResolvedHeads % 2 != 0)
                yield return new ValidationResult($"rope rotates pairs of coordinates, but the head size {Width / ResolvedHeads} is odd; choose an even headDim.", new[] { nameof(Positions) });
        }
    }
}
