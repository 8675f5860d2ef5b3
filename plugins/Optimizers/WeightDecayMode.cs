namespace Forge.Plugins.Optimizers;

/// <summary>
/// How an optimizer applies weight decay λ (the <c>weightDecayMode</c> option of the built-in optimizers). In each
/// mode the parametrization's per-tensor weight-decay factor is applied as the parametrization defines it (muP's
/// width scaling, for one), and a factor of 0 (a role that does not decay, <c>training.weightDecayRoles</c>) turns
/// decay off for that tensor.
/// </summary>
public enum WeightDecayMode
{
    /// <summary>L2 regularisation: λ·w is added to the gradient before the optimizer's update (<c>torch.optim.Adam</c>'s and <c>SGD</c>'s <c>weight_decay</c>).</summary>
    Coupled,

    /// <summary>Decoupled (Loshchilov &amp; Hutter 2019, AdamW): each step <c>w ← w·(1 − lr_t·λ)</c>, with the tensor's learning rate at that step.</summary>
    Decoupled,

    /// <summary>
    /// Independent of the learning rate (u-μP §5.5; Wortsman et al. 2023): each step <c>w ← w·(1 − λ·s(t))</c>, where
    /// s(t) is the schedule's factor. Implemented as decoupled decay with λ divided by the global learning rate, so the
    /// decay a tensor gets relative to its own learning-rate factor stays the parametrization's.
    /// </summary>
    Independent,
}

/// <summary>The decay coefficient an optimizer group gets in each mode.</summary>
public static class WeightDecayCoefficient
{
    /// <summary>
    /// The options error for an optimizer whose update discards the gradient's size (a sign, an orthogonalisation), so
    /// an L2 term in the gradient would not act as decay: only decoupled and independent decay are offered.
    /// </summary>
    public static IEnumerable<System.ComponentModel.DataAnnotations.ValidationResult> RefuseCoupled(WeightDecayMode mode, string optimizer, string why)
    {
        if (mode == WeightDecayMode.Coupled)
            yield return new System.ComponentModel.DataAnnotations.ValidationResult(
                $"{optimizer} offers decoupled and independent weight decay, not coupled ({why}); use \"decoupled\" or \"independent\".",
                new[] { "WeightDecayMode" });
    }

    /// <summary>
    /// The coefficient to give the group's update rule: <paramref name="lambda"/> × <paramref name="factor"/> for
    /// coupled and decoupled decay, divided by <paramref name="learningRate"/> (the global rate the spec tunes) for
    /// independent decay.
    /// </summary>
    public static double Of(WeightDecayMode mode, double lambda, double factor, double learningRate) => mode switch
    {
        WeightDecayMode.Independent => lambda * factor / learningRate,
        _ => lambda * factor,
    };
}
