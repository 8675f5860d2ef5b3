using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>muon</c>: MomentUm Orthogonalized by Newton–Schulz (Jordan et al. 2024, "Muon: an optimizer for hidden layers
/// in neural networks"; Liu et al. 2025, "Muon is scalable for LLM training") for the hidden matrices, AdamW for the
/// rest, chosen by role. A hidden matrix's update is its momentum orthogonalised (every singular value near 1) and
/// scaled by sqrt(fan_out/fan_in), so its spectral norm is about lr·sqrt(fan_out/fan_in): the update size the spectral
/// condition for feature learning asks for at every width (Yang, Simon &amp; Bernstein 2023, condition 2; Bernstein
/// &amp; Newhouse 2024, "Old optimizer, new norm"). That scaling is Muon's width rule, so for the matrices it
/// orthogonalises the parametrization's Adam learning-rate factor is not applied (its initialisation and multipliers
/// are); embeddings, readout, biases, norms and input layers go to the AdamW inside the plugin with
/// <c>adamLr</c> times the parametrization's factors, as for <c>adamw</c>.
/// </summary>
[ForgePlugin<MuonOptions>("muon", Description = "Muon for hidden matrices (orthogonalised momentum), AdamW for the rest")]
public sealed class MuonOptimizer(MuonOptions options) : IOptimizerPlugin
{
    /// <inheritdoc />
    public OptimizerKind Kind => OptimizerKind.Adaptive; // the AdamW part follows the adaptive rules

    /// <inheritdoc />
    public double LearningRate => options.Lr;

    /// <inheritdoc />
    public torch.optim.Optimizer Create(IReadOnlyList<ParameterGroup> groups)
    {
        var muonGroups = new List<Muon.ParamGroup>();
        foreach (var group in groups)
        {
            if (group.Descriptors.Count != group.Parameters.Count)
                throw new InvalidOperationException("muon needs each tensor's role to choose between Muon and AdamW; this host does not provide them (Forge.Abstractions 1.1 or later does).");
            var hidden = group.Parameters.Where((_, i) => IsHiddenMatrix(group.Descriptors[i])).ToList();
            var rest = group.Parameters.Where((_, i) => !IsHiddenMatrix(group.Descriptors[i])).ToList();
            if (hidden.Count > 0)
                muonGroups.Add(new Muon.ParamGroup(hidden, new Muon.Options
                {
                    Orthogonalize = true,
                    LearningRate = options.Lr,
                    Momentum = options.Momentum,
                    Nesterov = options.Nesterov,
                    NewtonSchulzSteps = options.NewtonSchulzSteps,
                    // Muon's rate carries no per-tensor factor, so the decay takes the factor's product with it: lr·λ·(wd·lr factors).
                    WeightDecay = WeightDecayCoefficient.Of(options.WeightDecayMode, options.WeightDecay, group.WeightDecayFactor * group.LearningRateFactor, options.Lr),
                }));
            if (rest.Count > 0)
                muonGroups.Add(new Muon.ParamGroup(rest, new Muon.Options
                {
                    LearningRate = options.AdamLr * group.LearningRateFactor,
                    Beta1 = options.AdamBeta1,
                    Beta2 = options.AdamBeta2,
                    Eps = options.AdamEps * group.EpsilonFactor,
                    WeightDecay = WeightDecayCoefficient.Of(options.WeightDecayMode, options.WeightDecay, group.WeightDecayFactor, options.AdamLr),
                }));
        }
        return new Muon(muonGroups);
    }

    private static bool IsHiddenMatrix(ParameterDescriptor descriptor) => descriptor.Role == ParameterRole.Hidden && descriptor.Shape.Length == 2;
}
