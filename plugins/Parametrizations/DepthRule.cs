using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// A depth rule on top of a width rule (the <c>depthRule</c> option of <c>mup</c>; docs/reference/depth.md): every
/// residual branch is multiplied by m_L^−α (m_L = depth / baseDepth) and the tensors inside the residual blocks get
/// the learning-rate and ε corrections of CompleteP's Table 1 (Dey et al. 2025, AdamW column), so a learning rate
/// tuned at the base depth holds at other depths.
/// </summary>
public enum DepthRule
{
    /// <summary>No depth rule: residual branches × 1, as microsoft/mup (which assumes the base model's depth).</summary>
    None,

    /// <summary>
    /// Depth-μP (Yang, Yu, Zhu &amp; Hayou 2023, "Tensor Programs VI"; Bordelon et al. 2023): branches × m_L^−½; with
    /// Adam, in-block learning rates × m_L^−½ and hidden ε × m_L^−½; with SGD no learning-rate correction.
    /// </summary>
    DepthMup,

    /// <summary>CompleteP (Dey et al. 2025): branches × m_L^−α with α = <c>depthAlpha</c> (default 1, α ∈ [½, 1]); with Adam, in-block learning rates × m_L^(α−1) and hidden ε × m_L^−α.</summary>
    CompleteP,
}

/// <summary>The factors a <see cref="DepthRule"/> gives: a residual branch's multiplier and an in-block tensor's corrections.</summary>
public sealed class DepthScaling
{
    private readonly DepthRule _rule;
    private readonly double _alpha;
    private readonly int _baseDepth;

    /// <summary>The rule with its exponent α (½ for Depth-μP; <paramref name="alpha"/>, default 1, for CompleteP) and base depth.</summary>
    public DepthScaling(DepthRule rule, double? alpha, int baseDepth)
    {
        _rule = rule;
        _alpha = rule == DepthRule.DepthMup ? 0.5 : alpha ?? 1.0;
        _baseDepth = baseDepth;
    }

    /// <summary>Whether there is a rule at all.</summary>
    public bool Active => _rule != DepthRule.None;

    /// <summary>α.</summary>
    public double Alpha => _alpha;

    /// <summary>m_L^−α, the multiplier of every residual branch (1 without a rule).</summary>
    public double BranchMultiplier(ParametrizationContext context) => Active ? Math.Pow(DepthMultiplier(context), -_alpha) : 1.0;

    /// <summary>
    /// The learning-rate factor of a tensor created inside a residual block: m_L^(α−1) under Adam-family optimizers
    /// (Table 1: hidden weights, hidden biases, pre-LN gains); under SGD 1 for Depth-μP (Tensor Programs VI: SGD's
    /// rate needs no depth correction), and CompleteP with α > ½ is refused (Table 1 has no SGD column).
    /// </summary>
    public double LearningRate(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (!Active || parameter.Block is null)
            return 1.0;
        if (context.Optimizer == OptimizerKind.Sgd)
        {
            if (_alpha != 0.5)
                throw new PluginException($"parametrization.depthRule \"completep\" with depthAlpha {_alpha} is CompleteP's AdamW rule (its Table 1 has no SGD column); with SGD use depthRule \"depthMup\" (Tensor Programs VI: SGD's learning rate needs no depth correction), or an adaptive optimizer (adamw, lion, muon).");
            return 1.0;
        }
        return Math.Pow(DepthMultiplier(context), _alpha - 1);
    }

    /// <summary>The ε factor of a hidden weight inside a residual block under Adam: m_L^−α (Table 1's depth part; 1 otherwise).</summary>
    public double Epsilon(ParameterDescriptor parameter, ParametrizationContext context) =>
        Active && parameter.Block is not null && parameter.Role == ParameterRole.Hidden && context.Optimizer == OptimizerKind.Adaptive
            ? Math.Pow(DepthMultiplier(context), -_alpha)
            : 1.0;

    private double DepthMultiplier(ParametrizationContext context) => (double)context.Model.Depth / _baseDepth;
}
