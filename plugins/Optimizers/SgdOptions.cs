using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Optimizers;

namespace Forge.Plugins.Optimizers;

/// <summary>Options of the <c>sgd</c> optimizer.</summary>
public sealed class SgdOptions : IValidatableObject
{
    [Description("Global learning rate (scaled per tensor by the parametrization).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Lr { get; set; } = 0.1;

    [Description("Momentum coefficient (0 = plain SGD).")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Momentum { get; set; }

    [Description("Dampening for momentum.")]
    [Range(0.0, 1.0)]
    public double Dampening { get; set; }

    [Description("Use Nesterov momentum (needs momentum > 0 and dampening = 0).")]
    public bool Nesterov { get; set; }

    [Description("Weight decay lambda, scaled per tensor by the parametrization; applied as weightDecayMode says, to the roles in training.weightDecayRoles.")]
    [Range(0.0, double.MaxValue)]
    public double WeightDecay { get; set; }

    [Description("coupled (L2: lambda * w added to the gradient, before momentum), decoupled (w -= lr * lambda * w each step) or independent (w -= lambda * schedule * w, whatever the learning rate).")]
    public WeightDecayMode WeightDecayMode { get; set; } = WeightDecayMode.Coupled;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Nesterov && (Momentum <= 0 || Dampening != 0))
            yield return new ValidationResult(
                "needs momentum > 0 and dampening = 0; set a momentum (e.g. 0.9) or turn nesterov off.", new[] { nameof(Nesterov) });
    }
}
