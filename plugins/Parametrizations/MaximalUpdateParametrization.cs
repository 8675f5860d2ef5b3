using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// <c>mup</c>: the Maximal Update Parametrization of Tensor Programs V (Yang et al. 2022) in the form
/// microsoft/mup implements, TP5 Table 8 / "MuReadout" (docs/reference/mup.md). With m = width / baseWidth per width-scaled dimension:
/// <list type="bullet">
/// <item>init: PyTorch's defaults at the actual fan-in for hidden weights (variance ∝ 1/fan_in = σ₀²/m_in);
/// vector-like tensors width-independent: input weights as PyTorch, biases U(±1/√base_fan_in) (mup's
/// <c>rescale_linear_bias</c>), readout zero or U(±1/√base_fan_in) (MuReadout's √m rescale), embeddings N(0,1),
/// norms 1/0; attention query zero (configurable).</item>
/// <item>forward: readout <c>α_out/m · x Wᵀ</c> (the bias is not multiplied), embedding/input × α_in, attention
/// logits <c>α_attn · q·k / d_head</c>.</item>
/// <item>learning rate (mup/optim.py): Adam-family — matrix-like ÷ m_in, vector- and scalar-like × 1;
/// SGD — vector-like × m, matrix-like ÷ (m_in/m_out), scalar-like × 1.</item>
/// <item>weight decay (mup/optim.py, coupled): Adam matrix-like × m_in; SGD vector-like ÷ m, matrix-like ×
/// (m_in/m_out); unchanged with <c>decoupledWeightDecay</c>.</item>
/// </list>
/// A tied readout keeps the embedding's init and LR and gets the readout multiplier on the logits (MuSharedReadout).
/// With <c>depthRule</c> (<see cref="DepthRule"/>): residual branches × m_L^−α and the in-block corrections of
/// CompleteP's Table 1 (Dey et al. 2025); without it (the default) every branch has multiplier 1, as in microsoft/mup.
/// </summary>
[ForgePlugin<MupOptions>("mup", Description = "muP (Tensor Programs V, microsoft/mup MuReadout form)")]
public sealed class MaximalUpdateParametrization(MupOptions options) : IParametrizationPlugin
{
    private readonly DepthScaling _depth = new(options.DepthRule, options.DepthAlpha, options.BaseDepth);

    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (options.DecoupledWeightDecay && context.WeightDecay > 0 && context.WeightDecayMode == WeightDecayMode.Independent)
            throw new PluginException("parametrization.decoupledWeightDecay would make hidden matrices lose λ·s(t)/m_in per step under optimizer.weightDecayMode \"independent\": that mode already removes λ·s(t) from every tensor at every width, which is what microsoft/mup's decoupled_wd=True is meant for (decay that is not multiplied by the learning rate). Leave decoupledWeightDecay false with independent decay; with \"decoupled\" decay it reproduces what mup's MuAdamW computes with decoupled_wd=True.");
        var m = WidthMultipliers.Of(parameter, context, options.BaseWidth);
        var (lr, wd) = Factors(parameter, m, context.Optimizer);
        var init = Init(parameter, context);
        double depthLr = 1.0, epsilon = options.Epsilon == MupEpsilon.Gradient && context.Optimizer == OptimizerKind.Adaptive ? GradientScale(parameter, m) : 1.0;
        if (_depth.Active)
        {
            depthLr = _depth.LearningRate(parameter, context);
            epsilon *= _depth.Epsilon(parameter, context);
            lr *= depthLr; // the weight-decay factor keeps its width part only (CompleteP's Table 1: hidden decay λ·m_N)
        }
        double multiplier = parameter.Role switch
        {
            ParameterRole.Embedding or ParameterRole.Input => options.InputMultiplier,
            ParameterRole.Output => options.OutputMultiplier / m.FanIn,
            _ => 1.0,
        };
        return new ParameterScaling(init, multiplier, lr, options.DecoupledWeightDecay ? 1.0 : wd, epsilon)
        {
            FanInMultiplier = m.FanIn,
            FanOutMultiplier = m.FanOut,
            DepthLearningRateFactor = depthLr,
        };
    }

    /// <inheritdoc />
    public double ResidualBranchMultiplier(int block, ParametrizationContext context) => _depth.BranchMultiplier(context);

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject? BaseModel => options.Base;

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => options.AttnMultiplier / headDimension;

    private Initialization Init(ParameterDescriptor p, ParametrizationContext context) => Scaled(RuleInit(p, context), p.Role switch
    {
        ParameterRole.Embedding or ParameterRole.Input => options.InputInitScale,
        ParameterRole.Hidden => options.HiddenInitScale,
        ParameterRole.Output => options.OutputInitScale,
        _ => 1.0,
    });

    /// <summary>The init times a tuned multiplier (TP5's per-role initializer multipliers); zeros and ones stay as they are.</summary>
    private static Initialization Scaled(Initialization init, double multiplier) =>
        multiplier == 1.0 || init.Kind == InitializationKind.Constant ? init : init with { Scale = init.Scale * multiplier };

    private Initialization RuleInit(ParameterDescriptor p, ParametrizationContext context) => p.Role switch
    {
        ParameterRole.Embedding => Initialization.Normal(1.0),
        ParameterRole.NormGain => Initialization.Ones,
        ParameterRole.NormBias => Initialization.Zeros,
        ParameterRole.Output when options.ZeroReadout => Initialization.Zeros,
        ParameterRole.Bias when options.ZeroReadout && p.IsReadoutBias => Initialization.Zeros,
        ParameterRole.Output => UniformFanIn(WidthMultipliers.BaseFanIn(p, context, options.BaseWidth)),
        ParameterRole.Bias => UniformFanIn(WidthMultipliers.BaseLayerFanIn(p, context, options.BaseWidth)),
        ParameterRole.Hidden when options.ZeroQuery && p.Tags.HasFlag(ParameterTags.AttentionQuery) => Initialization.Zeros,
        _ => UniformFanIn(p.FanIn.Size), // input and hidden weights: PyTorch's default at the actual fan-in
    };

    /// <summary>How a tensor's gradient scales with width under μP, relative to the base width: 1/m_in for matrix-like tensors, 1/m for vector-like, 1 for scalar-like.</summary>
    private static double GradientScale(ParameterDescriptor p, WidthMultipliers m) => p.WidthDimensions switch
    {
        2 => 1.0 / m.FanIn,
        1 => 1.0 / (m.FanIn * m.FanOut), // the one width multiplier, whichever side it is on
        _ => 1.0,
    };

    /// <summary>mup/optim.py's per-tensor learning-rate and weight-decay factors, by the number of width dimensions.</summary>
    private static (double Lr, double Wd) Factors(ParameterDescriptor p, WidthMultipliers m, OptimizerKind optimizer)
    {
        int widthDims = p.WidthDimensions;
        if (optimizer == OptimizerKind.Adaptive)
            return widthDims == 2 ? (1.0 / m.FanIn, m.FanIn) : (1.0, 1.0);
        return widthDims switch
        {
            2 => (m.FanOut / m.FanIn, m.FanIn / m.FanOut),
            1 => (m.FanIn * m.FanOut, 1.0 / (m.FanIn * m.FanOut)), // the one width multiplier, whichever side it is on
            _ => (1.0, 1.0),
        };
    }

    private static Initialization UniformFanIn(double fanIn) => Initialization.Uniform(1.0 / Math.Sqrt(fanIn));
}
