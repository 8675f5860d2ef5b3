using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Samples.CompleteP;

/// <summary>
/// <c>completep</c>: μP in width plus a depth rule, from Dey et al. 2025, "Don't be lazy: CompleteP enables
/// compute-efficient deep transformers" (arXiv 2505.01618), Table 1, AdamW column for α ∈ {½, 1}
/// (the project's docs/reference/depth.md). With m_N = width/baseWidth and m_L = depth/baseDepth:
/// every residual branch is multiplied by m_L^−α; hidden weights are initialised with variance σ²/m_N and trained
/// at η·m_L^(α−1)/m_N with weight decay λ·m_N and ε·m_N⁻¹·m_L^−α; biases and norm gains inside blocks at
/// η·m_L^(α−1); the readout multiplies its output by 1/m_N; embeddings keep σ and η. α = ½ is Depth-μP (Yang et
/// al. 2023, Bordelon et al. 2023); α = 1 (the default) is CompleteP, where the hidden rate needs no depth factor.
/// </summary>
[ForgePlugin<CompletePOptions>("completep", Description = "CompleteP / Depth-muP: muP plus m_L^-alpha residual branches (Dey et al. 2025)")]
public sealed class CompletePParametrization(CompletePOptions options) : IParametrizationPlugin
{
    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        if (context.Optimizer != OptimizerKind.Adaptive)
            throw new PluginException("completep implements the AdamW column of CompleteP's Table 1; choose an adaptive optimizer (adamw, lion).");
        double mN = (double)context.Model.Width / options.BaseWidth;
        double mL = (double)context.Model.Depth / options.BaseDepth;
        double alpha = options.Alpha, sigma = options.InitStd;
        bool inBlock = parameter.Block is not null;
        double depthLr = inBlock ? Math.Pow(mL, alpha - 1) : 1.0;
        return parameter.Role switch
        {
            ParameterRole.Hidden => new ParameterScaling(Initialization.Normal(sigma / Math.Sqrt(mN)),
                LearningRateFactor: depthLr / mN, WeightDecayFactor: mN, EpsilonFactor: inBlock ? Math.Pow(mL, -alpha) / mN : 1.0 / mN) { DepthLearningRateFactor = depthLr },
            ParameterRole.Output => new ParameterScaling(Initialization.Normal(sigma), ForwardMultiplier: 1.0 / mN),
            ParameterRole.Embedding or ParameterRole.Input => new ParameterScaling(Initialization.Normal(sigma)),
            ParameterRole.NormGain => new ParameterScaling(Initialization.Ones, LearningRateFactor: depthLr, WeightDecayFactor: 0) { DepthLearningRateFactor = depthLr },
            _ => new ParameterScaling(Initialization.Zeros, LearningRateFactor: depthLr, WeightDecayFactor: 0) { DepthLearningRateFactor = depthLr }, // biases, norm biases
        };
    }

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => 1.0 / headDimension; // μP's 1/d

    /// <inheritdoc />
    public double ResidualBranchMultiplier(int block, ParametrizationContext context) =>
        Math.Pow((double)context.Model.Depth / options.BaseDepth, -options.Alpha);
}
