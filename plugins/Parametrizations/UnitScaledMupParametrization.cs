using Forge.Abstractions.Ops;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using Forge.Abstractions.Precision;
using Forge.Abstractions.UnitScaling;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// <c>umup</c>: u-μP, the Unit-Scaled Maximal Update Parametrization (Blake et al. 2024, arXiv 2407.17465; the rules
/// as graphcore-research/unit-scaling implements them, docs/reference/umup.md). μP moved by the
/// abc-symmetry so that every weight starts at N(0, 1) and the width factors live in the ops, plus unit scaling's
/// backward scales, so activations, weights and gradients all start near RMS 1 (which is what lets FP8 work without
/// per-tensor scaling). No base width: the rules are absolute.
/// <list type="bullet">
/// <item>init: weights (embedding, input, hidden, readout) N(0, 1); biases and norm biases 0; norm gains 1. Norms are
/// non-trainable unless <c>trainableNorms</c> (as in the library's modules).</item>
/// <item>forward: input and hidden linears × <c>fan_in^-½</c>, readout × <c>fan_in^-1</c> (μP's readout),
/// embedding × 1; attention logits <c>α_attn·q·k/d_head</c>; residual branches by the τ rule (
/// <see cref="ResidualScalingRule"/>); unit-scaled GELU/SiLU with α_ffn-act and cross-entropy with α_loss-softmax
/// (<see cref="UnitScaledOps"/>).</item>
/// <item>learning rate (<c>unit_scaling/optim.py</c>, Adam; SGD uses the same factors, as the library does
/// with its default uncoupled readout): embedding, input and hidden weights × <c>fan_in^-½</c>, where an embedding's
/// fan-in is its width (the rule u-μP found better than μP's constant one, which <c>embeddingLr: "mup"</c> restores);
/// readout, biases and norms × 1; tensors
/// inside the residual blocks additionally × <c>depth^-½</c>.</item>
/// <item>weight decay: the factor is the inverse of the learning-rate factor, so the decay does not follow the
/// per-tensor rates; with the optimizer's <c>weightDecayMode: "independent"</c> (the paper's choice, set in
/// <c>experiments/umup-gpt.json</c>) a step decays every weight by <c>λ·s(t)</c> whatever the learning rate.</item>
/// </list>
/// A tied readout is refused: unit scaling scales an embedding's and a readout's weight gradients differently.
/// </summary>
[ForgePlugin<UmupOptions>("umup", Description = "u-muP (unit-scaled muP, Blake et al. 2024)")]
public sealed class UnitScaledMupParametrization(UmupOptions options) : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (context.WeightDecay > 0 && context.WeightDecayMode is { } mode && mode != WeightDecayMode.Independent)
            throw new PluginException($"umup's weight-decay factors are u-μP's independent decay (unit_scaling.optim's independent_weight_decay): every weight loses λ·s(t) per step whatever the learning rate. With optimizer.weightDecayMode \"{mode.ToString().ToLowerInvariant()}\" " +
                (mode == WeightDecayMode.Decoupled ? "each weight would lose η·λ·s(t), which is neither of the library's modes and couples the decay to the learning rate u-μP sweeps" : "the decay would be an L2 term in the unit-scaled gradient, which no u-μP rule defines") +
                ". Set optimizer.weightDecayMode to \"independent\" (as experiments/umup-gpt.json does), or optimizer.weightDecay to 0.");
        double depth = DepthFactor(parameter, context);
        double lr = LearningRateFactor(parameter, depth, options.EmbeddingLr);
        return new ParameterScaling(Init(parameter), Multiplier(parameter), lr, WeightDecayFactor: 1.0 / lr) { DepthLearningRateFactor = depth };
    }

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => options.AlphaAttn / headDimension;

    /// <inheritdoc />
    /// <remarks>
    /// Unit-scaled linear, embedding, norm and broadcast-add ops multiply every weight gradient by <c>rows^-½</c>, and
    /// unit-scaled losses pass each row a gradient that does not depend on the batch, so P equal parts' gradients sum
    /// to <c>P^½</c> times the whole batch's: the reduction is the sum times <c>P^-½</c>.
    /// </remarks>
    public GradientReduction Reduction(ParameterDescriptor parameter, ParametrizationContext context) => GradientReduction.UnitScaled;

    /// <summary>τ of branch <paramref name="block"/> among the model's 2·depth branches (attention at even indices, MLP at odd).</summary>
    public double ResidualBranchMultiplier(int block, ParametrizationContext context)
    {
        var taus = ResidualScalingRule.Taus(2 * context.Model.Depth, options.AlphaRes, options.AlphaResAttnRatio);
        if (block < 0 || block >= taus.Length)
            throw new PluginException($"The model asked for residual branch {block}, but umup expects 2 branches per block (attention, MLP) and the model declared depth {context.Model.Depth}.");
        return taus[block];
    }

    /// <inheritdoc />
    public ModelOps CreateOps(ParametrizationContext context, IPrecisionPlugin precision) =>
        new UnitScaledOps(precision, options.AlphaFfnAct, options.AlphaLossSoftmax, options.TrainableNorms);

    private static Initialization Init(ParameterDescriptor p) => p.Role switch
    {
        ParameterRole.Bias or ParameterRole.NormBias => Initialization.Zeros,
        ParameterRole.NormGain => Initialization.Ones,
        _ => Initialization.Normal(1.0),
    };

    private static double Multiplier(ParameterDescriptor p) => p.Role switch
    {
        ParameterRole.Input or ParameterRole.Hidden => 1 / Math.Sqrt(p.FanIn.Size),
        ParameterRole.Output => 1.0 / p.FanIn.Size,
        _ => 1.0,
    };

    /// <summary>depth^-½ for a tensor inside a residual block (the library's <c>lr_scale_for_depth</c>), else 1.</summary>
    private double DepthFactor(ParameterDescriptor p, ParametrizationContext context) =>
        options.DepthScaling && p.Block is not null ? 1 / Math.Sqrt(context.Model.Depth) : 1.0;

    private static double LearningRateFactor(ParameterDescriptor p, double depth, EmbeddingLearningRate embedding) => p.Role switch
    {
        ParameterRole.Embedding when embedding == EmbeddingLearningRate.Mup => depth,
        ParameterRole.Embedding => depth / Math.Sqrt(p.FanOut.Size), // the library's fan_in of a (vocab, d) table is d
        ParameterRole.Input or ParameterRole.Hidden => depth / Math.Sqrt(p.FanIn.Size),
        _ => depth,
    };
}
