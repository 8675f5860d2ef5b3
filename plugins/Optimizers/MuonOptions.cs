using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Optimizers;

namespace Forge.Plugins.Optimizers;

/// <summary>Options of the <c>muon</c> optimizer.</summary>
public sealed class MuonOptions : IValidatableObject
{
    [Description("Learning rate of the hidden matrices: with scale spectral, each layer's effective update (forward multiplier x the change) has spectral norm about lr*sqrt(fan_out/fan_in), times the parametrization's depth factor.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Lr { get; set; } = 0.02;

    [Description("Momentum of the hidden matrices' gradients.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Momentum { get; set; } = 0.95;

    [Description("Nesterov momentum: orthogonalise g + momentum·buffer instead of the buffer.")]
    public bool Nesterov { get; set; } = true;

    [Description("Newton–Schulz steps of the orthogonalisation.")]
    [Range(1, 20)]
    public int NewtonSchulzSteps { get; set; } = 5;

    [Description("How the orthogonalised update of a fan_out x fan_in matrix is sized: spectral (sqrt(fan_out/fan_in), the spectral condition's target; default), jordan (max(1, fan_out/fan_in)^1/2, KellerJordan/Muon) or moonlight (0.2*sqrt(max(fan_out, fan_in)), matched to AdamW's update RMS).")]
    public MuonScale Scale { get; set; } = MuonScale.Spectral;

    [Description("Learning rate of the AdamW that updates everything else (embeddings, readout, biases, norms), scaled per tensor by the parametrization.")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AdamLr { get; set; } = 3e-3;

    [Description("AdamW's first-moment decay.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double AdamBeta1 { get; set; } = 0.9;

    [Description("AdamW's second-moment decay.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double AdamBeta2 { get; set; } = 0.95;

    [Description("AdamW's ε (scaled per tensor by the parametrization).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double AdamEps { get; set; } = 1e-8;

    [Description("Weight decay lambda for both parts, scaled per tensor by the parametrization; applied as weightDecayMode says, to the roles in training.weightDecayRoles.")]
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; set; }

    [Description("decoupled (w -= lr * lambda * w each step, with lr for matrices and adamLr for the rest) or independent (w -= lambda * schedule * w); coupled L2 is not offered: an orthogonalised update discards the gradient's size.")]
    public WeightDecayMode WeightDecayMode { get; set; } = WeightDecayMode.Decoupled;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        WeightDecayCoefficient.RefuseCoupled(WeightDecayMode, "muon", "an L2 term in the gradient would be orthogonalised away");
}
