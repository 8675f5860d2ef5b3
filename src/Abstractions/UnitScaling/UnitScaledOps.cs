using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;
using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

/// <summary>
/// The u-μP op set: every op of <see cref="ModelOps"/> replaced by its <see cref="UnitScaled"/> counterpart.
/// Linear layers use the parametrization's multiplier as the forward scale (u-μP: <c>fan_in^-½</c>, readout
/// <c>fan_in^-1</c>), the exact input gradient (readout: <c>fan_out^-½</c>, uncoupled) and <c>batch^-½</c> on
/// weight and bias gradients; residual branches are split and added with the parametrization's τ; attention uses
/// mult = logit scale × d_head; the loss is the unit-scaled cross-entropy (or MSE).
/// </summary>
/// <param name="precision">The precision policy of linear products.</param>
/// <param name="activationMult">α_ffn-act, the temperature of GELU/SiLU.</param>
/// <param name="lossMult">α_loss-softmax, the multiplier on logits inside the loss's softmax.</param>
/// <param name="affineNorms">Whether norms have trainable gains and biases (u-μP default: no).</param>
public class UnitScaledOps(IPrecisionPlugin precision, double activationMult = 1.0, double lossMult = 1.0, bool affineNorms = false) : ModelOps(precision)
{
    /// <inheritdoc />
    public override string Description =>
        $"unit-scaled ops (u-μP): linear y = s·xWᵀ with separate backward scales, residual (τ·f(x) + x)/√(1+τ²), unit-scaled attention, GELU/SiLU (α_ffn-act {activationMult:G4}), cross-entropy (α_loss-softmax {lossMult:G4}); {(affineNorms ? "trainable" : "non-trainable")} norms";

    /// <inheritdoc />
    public override string ResidualScaleName => "residual tau";

    /// <inheritdoc />
    public override bool AffineNorms => affineNorms;

    /// <summary>Unit scaling gives an embedding's and a readout's weight gradients different scales, so one tensor cannot serve both.</summary>
    public override bool SupportsTiedWeights => false;

    /// <inheritdoc />
    public override Tensor Linear(Tensor input, ScaledParameter weight, ScaledParameter? bias = null)
    {
        long fanOut = weight.Value.shape[0], fanIn = weight.Value.shape[1];
        double gradWeight = 1 / Math.Sqrt(input.numel() / fanIn);
        double gradInput = weight.Descriptor.Role == ParameterRole.Output ? 1 / Math.Sqrt(fanOut) : weight.Multiplier;
        var scales = new LinearScales(weight.Multiplier, gradInput, gradWeight);
        return UnitScaled.Linear(input, weight.Value, Scaled(bias), scales, (x, w) => Precision.Linear(x, w, weight.Descriptor));
    }

    /// <inheritdoc />
    public override Tensor Embedding(Tensor tokens, ScaledParameter weight)
    {
        var output = UnitScaled.Embedding(tokens, weight.Value);
        return weight.Multiplier == 1.0 ? output : output.mul(weight.Multiplier);
    }

    /// <inheritdoc />
    public override Tensor Add(Tensor left, Tensor right) => UnitScaled.Add(left, right);

    /// <summary>u-μP's residual branch with τ = <paramref name="scale"/>: <c>(τ·f(x) + x)/√(1+τ²)</c> (<see cref="UnitScaled.ResidualSplit"/>, <see cref="UnitScaled.ResidualAdd"/>).</summary>
    public override Tensor Residual(Tensor stream, double scale, Func<Tensor, Tensor> branch)
    {
        var (input, skip) = UnitScaled.ResidualSplit(stream, scale);
        return UnitScaled.ResidualAdd(branch(input), skip, scale);
    }

    /// <summary>Unit-scaled attention with mult = <paramref name="logitScale"/>·d_head; always libtorch's fused kernel.</summary>
    public override Tensor CausalAttention(Tensor query, Tensor key, Tensor value, double logitScale, bool fused = true) =>
        UnitScaled.ScaledDotProductAttention(query, key, value, logitScale * query.shape[^1], causal: true);

    /// <summary>Unit-scaled full attention with mult = <paramref name="logitScale"/>·d_head (graphcore's scale for a non-causal sequence); always libtorch's fused kernel.</summary>
    public override Tensor Attention(Tensor query, Tensor key, Tensor value, double logitScale, bool fused = true) =>
        UnitScaled.ScaledDotProductAttention(query, key, value, logitScale * query.shape[^1], causal: false);

    /// <summary>
    /// The unit-scaled attention of the last queries over every key, its output (and the gradients of q, k and v)
    /// scaled as <see cref="CausalAttention"/> scales them over a whole window of <paramref name="window"/> positions
    /// (graphcore's scale depends on the sequence length, so a position's output is the one it has in a training
    /// window). With a bias (ALiBi) the scale is the unbiased one: graphcore's model has no bias in it.
    /// </summary>
    public override Tensor CausalAttentionContinued(Tensor query, Tensor key, Tensor value, double logitScale, long window, bool fused = true, Tensor? bias = null,
        double dropout = 0)
    {
        var plain = base.CausalAttentionContinued(query, key, value, logitScale, window, fused, bias, dropout);
        double s = UnitScaled.AttentionOutputScale(query.shape[^1], window, logitScale * query.shape[^1], causal: true);
        return UnitScaled.Scale(plain, s, s); // the output and, through it, the gradients of q, k and v, as CausalAttention scales them
    }

    /// <inheritdoc />
    public override Tensor Activate(Tensor input, Activation activation) => activation switch
    {
        Activation.Gelu => UnitScaled.Gelu(input, activationMult),
        Activation.Silu => UnitScaled.Silu(input, activationMult),
        Activation.Relu => UnitScaled.Relu(input),
        Activation.Tanh => UnitScaled.Tanh(input),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <inheritdoc />
    public override Tensor LayerNorm(Tensor input, long size, ScaledParameter? gain, ScaledParameter? bias) =>
        UnitScaled.LayerNorm(input, size, Scaled(gain), Scaled(bias), NormEpsilon);

    /// <inheritdoc />
    public override Tensor CrossEntropy(Tensor logits, Tensor targets) => UnitScaled.CrossEntropy(logits, targets, lossMult);

    /// <summary>Unit-scaled stochastic depth: the kept examples divided by √(1 − rate) instead of 1 − rate, so a unit branch stays unit, as <see cref="Dropout"/> does.</summary>
    public override Tensor DropPath(Tensor branch, double rate, bool training) =>
        training && rate > 0 ? branch.mul(KeptExamples(branch, rate)).div(Math.Sqrt(1 - rate)) : branch;

    /// <summary>Unit-scaled dropout (graphcore's): the output and its gradient times √(1 − rate), so unit inputs stay unit.</summary>
    public override Tensor Dropout(Tensor input, double rate, bool training) =>
        training && rate > 0 ? UnitScaled.Scale(nn.functional.dropout(input, rate, training: true), Math.Sqrt(1 - rate), Math.Sqrt(1 - rate)) : input;

    /// <summary>Unit-scaled RMS norm (<see cref="UnitScaled.RmsNorm"/>): the gain's gradient scaled by √(size / elements).</summary>
    public override Tensor RmsNorm(Tensor input, long size, ScaledParameter? gain) => UnitScaled.RmsNorm(input, Scaled(gain), NormEpsilon);

    /// <summary>Unit-scaled SwiGLU with α_ffn-act as the gate's temperature (<see cref="UnitScaled.SiluGlu"/>).</summary>
    public override Tensor GatedLinearUnit(Tensor input, Tensor gate) => UnitScaled.SiluGlu(input, gate, activationMult);

    /// <summary>The output times α_loss-softmax, as the unit-scaled cross-entropy's softmax sees it.</summary>
    public override Tensor PredictiveLogits(Tensor output) => lossMult == 1.0 ? output : output.mul(lossMult);

    /// <inheritdoc />
    public override Tensor MseLoss(Tensor prediction, Tensor target) => UnitScaled.MseLoss(prediction, target);
}
