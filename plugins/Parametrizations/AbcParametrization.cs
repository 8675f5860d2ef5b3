using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Parametrizations;

/// <summary>
/// <c>abc</c>: the general abc-parametrization of Everett et al. 2024, "Scaling Exponents Across Parameterizations
/// and Optimizers" (docs/reference/abc.md: the table of (a, b) and the table of c). For a layer class
/// l ∈ {embedding, hidden, readout} with width n_l (embedding: fan-out; hidden and readout: fan-in):
/// <list type="bullet">
/// <item>forward multiplier A = multiplier · n^−a; init W₀ ~ N(0, (initScale · n^−b)²) (a dense input layer
/// also gets the fixed 1/√fan_in; an embedding reads one-hot inputs);</item>
/// <item>learning rate η · lrScale · (n / n_base)^−c, so η is the rate at <c>baseWidth</c>;</item>
/// <item>presets: (a, b) of standard, ntk, mup, meanfield; c from the SGD or Adam row for full or no alignment;</item>
/// <item>biases and norm parameters: multiplier 1, init 0 (gains 1), and the embedding class's update size:
/// c = c_emb + a_emb (Adam) or c_emb + 2·a_emb (SGD); a readout bias keeps c = 0;</item>
/// <item>weight decay × 1/(learning-rate factor), so lr·λ is the same for every tensor and width;</item>
/// <item>ε per <see cref="EpsilonTreatment"/>.</item>
/// </list>
/// On the orbit A→A·θ, B→B/θ, C→C/θ (Adam, with ε·θ) or C→C/θ² (SGD) the trained function is unchanged (the abc-symmetry, docs/reference/README.md).
/// </summary>
[ForgePlugin<AbcOptions>("abc", Description = "abc-parametrization with per-layer exponents (Everett et al. 2024)")]
public sealed class AbcParametrization(AbcOptions options) : IParametrizationPlugin
{
    private enum LayerClass { Embedding, Hidden, Readout }

    /// <summary>(a, b) per layer class for each preset.</summary>
    private static readonly Dictionary<AbcPreset, (double A, double B)[]> Exponents = new()
    {
        [AbcPreset.Standard] = new[] { (0.0, 0.0), (0.0, 0.5), (0.0, 0.5) },
        [AbcPreset.Ntk] = new[] { (0.0, 0.0), (0.5, 0.0), (0.5, 0.0) },
        [AbcPreset.Mup] = new[] { (-0.5, 0.5), (0.0, 0.5), (0.5, 0.5) },
        [AbcPreset.Meanfield] = new[] { (-0.5, 0.5), (0.0, 0.5), (1.0, 0.0) },
    };

    /// <summary>c per layer class (embedding, hidden, readout) for each optimizer, alignment and preset.</summary>
    private static readonly Dictionary<(OptimizerKind, Alignment, AbcPreset), double[]> LearningRateExponents = new()
    {
        [(OptimizerKind.Sgd, Alignment.Full, AbcPreset.Standard)] = new[] { -0.5, 0.5, 1.0 },
        [(OptimizerKind.Sgd, Alignment.Full, AbcPreset.Ntk)] = new[] { -0.5, -0.5, 0.0 },
        [(OptimizerKind.Sgd, Alignment.Full, AbcPreset.Mup)] = new[] { 0.0, 0.0, 0.0 },
        [(OptimizerKind.Sgd, Alignment.Full, AbcPreset.Meanfield)] = new[] { 0.0, 0.0, -1.0 },
        [(OptimizerKind.Sgd, Alignment.None, AbcPreset.Standard)] = new[] { -0.5, 0.0, 0.5 },
        [(OptimizerKind.Sgd, Alignment.None, AbcPreset.Ntk)] = new[] { -0.5, -1.0, -0.5 },
        [(OptimizerKind.Sgd, Alignment.None, AbcPreset.Mup)] = new[] { 0.0, -0.5, 0.0 },
        [(OptimizerKind.Sgd, Alignment.None, AbcPreset.Meanfield)] = new[] { 0.0, -0.5, -1.0 },
        [(OptimizerKind.Adaptive, Alignment.Full, AbcPreset.Standard)] = new[] { 0.0, 1.0, 1.0 },
        [(OptimizerKind.Adaptive, Alignment.Full, AbcPreset.Ntk)] = new[] { 0.0, 0.5, 0.5 },
        [(OptimizerKind.Adaptive, Alignment.Full, AbcPreset.Mup)] = new[] { 0.5, 1.0, 0.5 },
        [(OptimizerKind.Adaptive, Alignment.Full, AbcPreset.Meanfield)] = new[] { 0.5, 1.0, 0.0 },
        [(OptimizerKind.Adaptive, Alignment.None, AbcPreset.Standard)] = new[] { 0.0, 0.5, 0.5 },
        [(OptimizerKind.Adaptive, Alignment.None, AbcPreset.Ntk)] = new[] { 0.0, 0.0, 0.0 },
        [(OptimizerKind.Adaptive, Alignment.None, AbcPreset.Mup)] = new[] { 0.5, 0.5, 0.0 },
        [(OptimizerKind.Adaptive, Alignment.None, AbcPreset.Meanfield)] = new[] { 0.5, 0.5, -0.5 },
    };

    /// <inheritdoc />
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context)
    {
        var m = WidthMultipliers.Of(parameter, context, options.BaseWidth);
        var (a, b, c) = ExponentsOf(LayerClass.Embedding, context.Optimizer);
        switch (parameter.Role)
        {
            case ParameterRole.Bias or ParameterRole.NormGain or ParameterRole.NormBias:
            {
                var init = parameter.Role == ParameterRole.NormGain ? Initialization.Ones : Initialization.Zeros;
                double exponent = parameter.IsReadoutBias || !parameter.FanOut.ScalesWithWidth
                    ? 0.0
                    : c + (context.Optimizer == OptimizerKind.Sgd ? 2 : 1) * a;
                double biasLr = Math.Pow(m.FanOut, -exponent);
                return Decide(init, 1.0, biasLr, m);
            }
        }

        var layer = parameter.Role switch
        {
            ParameterRole.Embedding or ParameterRole.Input => LayerClass.Embedding,
            ParameterRole.Output => LayerClass.Readout,
            _ => LayerClass.Hidden,
        };
        var constants = Constants(layer);
        (a, b, c) = ExponentsOf(layer, context.Optimizer);
        double n = layer == LayerClass.Embedding ? parameter.FanOut.Size : parameter.FanIn.Size;
        double relative = layer == LayerClass.Embedding ? m.FanOut : m.FanIn;
        double std = constants.InitScale * Math.Pow(n, -b) / (parameter.Role == ParameterRole.Input ? Math.Sqrt(parameter.FanIn.Size) : 1.0);
        double multiplier = constants.Multiplier * Math.Pow(n, -a);
        double lr = constants.LrScale * Math.Pow(relative, -c);
        return Decide(Initialization.Normal(std), multiplier, lr, m);
    }

    /// <inheritdoc />
    public double AttentionLogitScale(int headDimension, ParametrizationContext context) => options.AttnMultiplier / headDimension;

    private ParameterScaling Decide(Initialization init, double multiplier, double lr, WidthMultipliers m) =>
        new(init, multiplier, lr, WeightDecayFactor: 1.0 / lr, EpsilonFactor: options.Epsilon == EpsilonTreatment.Multiplier ? multiplier : 1.0)
        {
            FanInMultiplier = m.FanIn,
            FanOutMultiplier = m.FanOut,
        };

    private (double A, double B, double C) ExponentsOf(LayerClass layer, OptimizerKind optimizer)
    {
        var (a, b) = Exponents[options.Preset][(int)layer];
        double c = LearningRateExponents[(optimizer, options.Alignment, options.Preset)][(int)layer];
        var custom = Constants(layer);
        return (custom.A ?? a, custom.B ?? b, custom.C ?? c);
    }

    private AbcLayerOptions Constants(LayerClass layer) => layer switch
    {
        LayerClass.Embedding => options.Embedding,
        LayerClass.Hidden => options.Hidden,
        _ => options.Readout,
    };
}
