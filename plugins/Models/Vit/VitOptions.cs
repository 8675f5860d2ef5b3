using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Plugins.Models.Gpt;

namespace Forge.Plugins.Models.Vit;

/// <summary>How a vision transformer turns its tokens into one vector for the readout.</summary>
public enum VitPooling
{
    /// <summary>A learned class token prepended to the patches; the readout reads its final state (ViT, AugReg).</summary>
    Cls,
    /// <summary>The mean of the patches' final states (global average pooling).</summary>
    Mean,
}

/// <summary>How patch positions enter a vision transformer.</summary>
public enum VitPositions
{
    /// <summary>A learned embedding per token (the class token included), added to the patch embeddings.</summary>
    Learned,
    /// <summary>Fixed 2-D sines and cosines: half the width encodes the patch's row, half its column, at unit RMS; the class token gets none.</summary>
    Sinusoidal,
    /// <summary>No positional information.</summary>
    None,
}

/// <summary>Options of the <c>vit</c> model.</summary>
public sealed class VitOptions : IValidatableObject
{
    [Description("Model width d_model.")]
    [Range(1, 1 << 16)]
    public int Width { get; set; } = 64;

    [Description("Number of transformer blocks (the gpt model's block, attending both ways).")]
    [Range(1, 1024)]
    public int Depth { get; set; } = 4;

    [Description("Attention heads; give heads or headDim (default: 4 heads).")]
    [Range(1, 1 << 12)]
    public int? Heads { get; set; }

    [Description("Size of each attention head; give heads or headDim.")]
    [Range(1, 1 << 12)]
    public int? HeadDim { get; set; }

    [Description("Side of the square patches, in pixels; it must divide the images' height and width.")]
    [Range(1, 1 << 12)]
    public int PatchSize { get; set; } = 4;

    [Description("cls (a learned class token, read by the readout) or mean (the mean of the patches' final states).")]
    public VitPooling Pooling { get; set; } = VitPooling.Cls;

    [Description("learned, sinusoidal (2-D) or none.")]
    public VitPositions Positions { get; set; } = VitPositions.Learned;

    [Description("MLP hidden size as a multiple of width.")]
    [Range(0.01, 64)]
    public double MlpRatio { get; set; } = 4;

    [Description("gelu or swiglu, as in gpt.")]
    public MlpKind Mlp { get; set; } = MlpKind.Gelu;

    [Description("layer (LayerNorm) or rms (RMSNorm), as in gpt.")]
    public NormKind Norm { get; set; } = NormKind.Layer;

    [Description("Dropout rate after the patch and position embeddings (training only).")]
    [Range(0.0, 0.95)]
    public double EmbeddingDropout { get; set; }

    [Description("Dropout rate of each residual branch's output (training only).")]
    [Range(0.0, 0.95)]
    public double ResidualDropout { get; set; }

    [Description("Stochastic depth (drop path): the rate at which the last block's residual branches skip an example in training, rising linearly from 0 at the first block (AugReg's regularisation).")]
    [Range(0.0, 0.95)]
    public double StochasticDepth { get; set; }

    [Description("Biases in linear layers and LayerNorms.")]
    public bool Bias { get; set; } = true;

    [Description("sdpa (libtorch's fused kernel) or explicit softmax attention.")]
    public AttentionKernel Attention { get; set; } = AttentionKernel.Sdpa;

    /// <summary>The options of the gpt block the model stacks: the same width, heads, MLP and norm, positions left to the embedding.</summary>
    public GptOptions Block => new()
    {
        Width = Width, Depth = Depth, Heads = Heads, HeadDim = HeadDim, MlpRatio = MlpRatio, Mlp = Mlp, Norm = Norm,
        ResidualDropout = ResidualDropout, StochasticDepth = StochasticDepth, Bias = Bias, Attention = Attention, Positions = PositionEncoding.None,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Width < 1 || Heads < 1 || HeadDim < 1)
            yield break; // the range checks report these
        foreach (var problem in Block.Validate(validationContext))
            yield return problem;
        if (Positions == VitPositions.Sinusoidal && Width % 2 != 0)
            yield return new ValidationResult($"sinusoidal positions give half the width to rows and half to columns, but width {Width} is odd; choose an even width.", new[] { nameof(Positions) });
    }
}
