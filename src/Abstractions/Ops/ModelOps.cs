using TorchSharp;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;
using static TorchSharp.torch;

namespace Forge.Abstractions.Ops;

/// <summary>
/// The functional ops a model computes with: linear layers, embeddings, residual branches, attention,
/// nonlinearities, norms and the loss. The parametrization chooses them
/// (<see cref="IParametrizationPlugin.CreateOps"/>) and a model gets them from
/// <see cref="ParameterFactory.Ops"/>, so one model definition runs under plain ops (SP, μP, …) and under
/// unit-scaled ones (u-μP, <see cref="UnitScaling.UnitScaledOps"/>). This class is the plain set: torch's ops with
/// the parametrization's multipliers; a rule that needs different ops derives from it and overrides what differs.
/// </summary>
public class ModelOps
{
    /// <summary>Creates the plain op set computing matrix products under <paramref name="precision"/>.</summary>
    public ModelOps(IPrecisionPlugin precision) => Precision = precision;

    /// <summary>The precision policy linear layers compute their products with.</summary>
    public IPrecisionPlugin Precision { get; }

    /// <summary>One line for <c>forge inspect</c>: what these ops do differently from torch's.</summary>
    public virtual string Description => "plain ops: y = A·xWᵀ + A_b·b, residual x + m·f(x), softmax attention, mean cross-entropy";

    /// <summary>What <see cref="Residual"/> does with the scale <see cref="ParameterFactory.ResidualMultiplier"/> returns, as <c>forge inspect</c> labels it.</summary>
    public virtual string ResidualScaleName => "residual multiplier";

    /// <summary>Whether norms carry a trainable gain (and bias); layers create no norm tensors when false.</summary>
    public virtual bool AffineNorms => true;

    /// <summary>Whether a tensor may be used twice (a readout tied to the embedding); <see cref="ParameterFactory.Tie"/> refuses otherwise.</summary>
    public virtual bool SupportsTiedWeights => true;

    /// <summary><c>A·x Wᵀ + A_b·b</c>, the product computed by the precision policy.</summary>
    public virtual Tensor Linear(Tensor input, ScaledParameter weight, ScaledParameter? bias = null)
    {
        if (bias is not null && weight.Multiplier == 1.0 && bias.Multiplier == 1.0)
            return Precision.Linear(input, weight.Value, bias.Value, weight.Descriptor); // one GEMM with the bias fused where the policy can
        var output = Precision.Linear(input, weight.Value, weight.Descriptor);
        if (weight.Multiplier != 1.0)
            output = output.Times(weight.Multiplier);
        if (bias is not null)
            output = bias.Multiplier == 1.0 ? output.add(bias.Value) : output.PlusScaled(bias.Value, bias.Multiplier);
        return output;
    }

    /// <summary>Rows of the table for <paramref name="tokens"/> (any shape), times its multiplier.</summary>
    public virtual Tensor Embedding(Tensor tokens, ScaledParameter weight)
    {
        var table = weight.Value;
        var output = table.index_select(0, tokens.flatten()).view(tokens.shape.Append(table.shape[1]).ToArray());
        return weight.Multiplier == 1.0 ? output : output.Times(weight.Multiplier);
    }

    /// <summary>The sum of two independent inputs (token and position embeddings).</summary>
    public virtual Tensor Add(Tensor left, Tensor right) => left.add(right);

    /// <summary>One residual branch around <paramref name="stream"/>: <c>x + m·f(x)</c>, m from <see cref="ParameterFactory.ResidualMultiplier"/>.</summary>
    public virtual Tensor Residual(Tensor stream, double scale, Func<Tensor, Tensor> branch)
    {
        var output = branch(stream);
        return scale == 1.0 ? stream.add(output) : stream.PlusScaled(output, scale);
    }

    /// <summary>
    /// Causal softmax attention over heads, inputs (batch, heads, sequence, d_head): <c>softmax(s·q kᵀ + mask)·v</c>
    /// with s from <see cref="ParameterFactory.AttentionScale"/>. <paramref name="fused"/> uses libtorch's kernel,
    /// otherwise explicit products.
    /// </summary>
    public virtual Tensor CausalAttention(Tensor query, Tensor key, Tensor value, double logitScale, bool fused = true) =>
        PlainCausalAttention(query, key, value, logitScale, fused, bias: null, dropout: 0);

    /// <summary>
    /// Full (bidirectional) softmax attention over heads, inputs (batch, heads, sequence, d_head):
    /// <c>softmax(s·q kᵀ)·v</c> with every query seeing every key, as an encoder (a vision transformer) attends.
    /// <paramref name="fused"/> uses libtorch's kernel, otherwise explicit products. Added in 1.2.
    /// </summary>
    public virtual Tensor Attention(Tensor query, Tensor key, Tensor value, double logitScale, bool fused = true) =>
        fused ? Sdpa.WithLogitScale(query, key, value, logitScale, causal: false) : query.matmul(key.transpose(-2, -1)).Times(logitScale).softmax(-1).matmul(value);

    /// <summary>
    /// Causal attention of the last queries of a sequence over all of its keys (a <see cref="Models.KeyValueCache"/>
    /// step): <paramref name="query"/> (batch, heads, new, d_head) holds the last <c>new</c> positions of the
    /// <paramref name="key"/> and <paramref name="value"/> sequences (batch, heads, all, d_head), so position i attends
    /// to keys up to <c>all − new + i</c>. An additive <paramref name="bias"/> (heads, new, all), such as ALiBi's,
    /// joins the scaled logits; <paramref name="dropout"/> drops attention probabilities (the explicit product, training
    /// only: pass 0 in evaluation). <paramref name="window"/> is the length of the windows the model is
    /// trained on: ops whose scales depend on the sequence length (unit-scaled attention) scale as
    /// <see cref="CausalAttention"/> does over a whole window of that length, so every position's output is the one
    /// it has in such a window; plain ops ignore it. Added in 1.2.
    /// </summary>
    public virtual Tensor CausalAttentionContinued(Tensor query, Tensor key, Tensor value, double logitScale, long window, bool fused = true, Tensor? bias = null,
        double dropout = 0) =>
        PlainCausalAttention(query, key, value, logitScale, fused, bias, dropout);

    /// <summary>
    /// Softmax attention of the last queries over every key, without any op's own scales: the plain form of both
    /// <see cref="CausalAttention"/> (as many queries as keys) and <see cref="CausalAttentionContinued"/>. libtorch's
    /// fused kernel where it applies (causal or a single query, no bias: its own mask; a bias: a float mask),
    /// explicit products otherwise and for dropout.
    /// </summary>
    private static Tensor PlainCausalAttention(Tensor query, Tensor key, Tensor value, double logitScale, bool fused, Tensor? bias, double dropout)
    {
        long added = query.shape[^2], all = key.shape[^2];
        if (dropout > 0)
            fused = false; // dropout of the probabilities: the explicit product
        if (bias is null && fused && (added == all || added == 1))
            return Sdpa.WithLogitScale(query, key, value, logitScale, causal: added > 1); // one query sees every key
        using var hidden = ones(added, all, dtype: ScalarType.Bool, device: query.device).triu(all - added + 1);
        using var minusInfinity = float.NegativeInfinity.ToScalar();
        if (fused)
        {
            var mask = zeros(added, all, device: query.device).masked_fill(hidden, minusInfinity);
            return Sdpa.WithLogitScaleAndMask(query, key, value, logitScale, bias is null ? mask : bias.add(mask));
        }
        var logits = query.matmul(key.transpose(-2, -1)).Times(logitScale);
        if (bias is not null)
            logits = logits.add(bias);
        var probabilities = logits.masked_fill(hidden, minusInfinity).softmax(-1);
        return (dropout > 0 ? nn.functional.dropout(probabilities, dropout, training: true) : probabilities).matmul(value);
    }

    /// <summary>
    /// Stochastic depth (Huang et al. 2016; "drop path"): while <paramref name="training"/>, each example's whole
    /// <paramref name="branch"/> output (first dimension) is dropped at rate <paramref name="rate"/> and the kept ones
    /// divided by 1 − rate, from libtorch's default generator (seeded and checkpointed by Forge); the branch itself
    /// otherwise. Added in 1.2.
    /// </summary>
    public virtual Tensor DropPath(Tensor branch, double rate, bool training) =>
        training && rate > 0 ? branch.mul(KeptExamples(branch, rate)).div(1 - rate) : branch;

    /// <summary>A mask (batch, 1, …, 1) of ones for the examples stochastic depth keeps at <paramref name="rate"/>, zeros for the others.</summary>
    protected static Tensor KeptExamples(Tensor branch, double rate)
    {
        var shape = new long[branch.dim()];
        Array.Fill(shape, 1L);
        shape[0] = branch.shape[0];
        return empty(shape, dtype: branch.dtype, device: branch.device).bernoulli_(1 - rate);
    }

    /// <summary>
    /// Dropout at rate <paramref name="rate"/> while <paramref name="training"/> (the kept entries divided by 1 − rate),
    /// from libtorch's default generator, which Forge seeds and checkpoints; the input itself otherwise. Added in 1.2.
    /// </summary>
    public virtual Tensor Dropout(Tensor input, double rate, bool training) =>
        training && rate > 0 ? nn.functional.dropout(input, rate, training: true) : input;

    /// <summary>
    /// RMS norm over the last <paramref name="size"/> entries, <c>x / √(mean(x²) + ε)</c>, times the optional gain
    /// (times its multiplier). Added in 1.2.
    /// </summary>
    public virtual Tensor RmsNorm(Tensor input, long size, ScaledParameter? gain)
    {
        using var epsilon = NormEpsilon.ToScalar();
        var normalised = input.mul(input.square().mean(new long[] { -1 }, keepdim: true).add(epsilon).rsqrt());
        return gain is null ? normalised : normalised.mul(Scaled(gain)!);
    }

    /// <summary>SwiGLU's gated unit, <c>input · silu(gate)</c> (Shazeer 2020), elementwise. Added in 1.2.</summary>
    public virtual Tensor GatedLinearUnit(Tensor input, Tensor gate) => input.mul(nn.functional.silu(gate));

    /// <summary>The nonlinearity <paramref name="activation"/>.</summary>
    public virtual Tensor Activate(Tensor input, Activation activation) => activation switch
    {
        Activation.Relu => nn.functional.relu(input),
        Activation.Gelu => nn.functional.gelu(input),
        Activation.Tanh => input.tanh(),
        Activation.Silu => nn.functional.silu(input),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    /// <summary>Layer norm over the last <paramref name="size"/> entries with the optional gain and bias (times their multipliers).</summary>
    public virtual Tensor LayerNorm(Tensor input, long size, ScaledParameter? gain, ScaledParameter? bias) =>
        nn.functional.layer_norm(input, new[] { size }, Scaled(gain), Scaled(bias), NormEpsilon);

    /// <summary>Mean cross-entropy of <paramref name="logits"/> (predictions, classes) against class indices.</summary>
    public virtual Tensor CrossEntropy(Tensor logits, Tensor targets) => nn.functional.cross_entropy(logits, targets);

    /// <summary>
    /// The logits whose softmax is the distribution <see cref="CrossEntropy"/> scores, for a model's
    /// <paramref name="output"/>: what sampling draws from. Plain ops return the output itself. Added in 1.2.
    /// </summary>
    public virtual Tensor PredictiveLogits(Tensor output) => output;

    /// <summary>Mean squared error.</summary>
    public virtual Tensor MseLoss(Tensor prediction, Tensor target) => nn.functional.mse_loss(prediction, target);

    /// <summary>The ε of layer norms.</summary>
    protected const double NormEpsilon = 1e-5;

    /// <summary>The tensor times its multiplier (null stays null).</summary>
    protected static Tensor? Scaled(ScaledParameter? parameter) =>
        parameter is null ? null : parameter.Multiplier == 1.0 ? parameter.Value : parameter.Value.Times(parameter.Multiplier);
}
