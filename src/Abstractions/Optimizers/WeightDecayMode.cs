namespace Forge.Abstractions.Optimizers;

/// <summary>
/// How an optimizer applies weight decay λ (the <c>weightDecayMode</c> option of the built-in optimizers; an optimizer
/// plugin reports its own through <see cref="IOptimizerPlugin.WeightDecayMode"/>, and a parametrization reads it from
/// <see cref="Parametrizations.ParametrizationContext.WeightDecayMode"/>; added to Forge.Abstractions in 1.2). In each
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
    /// Independent of the learning rate (u-μP, Blake et al. 2024; Wortsman et al. 2023; the project's docs/reference/weight-decay.md): each step <c>w ← w·(1 − λ·s(t))</c>, where
    /// s(t) is the schedule's factor. Implemented as decoupled decay with λ divided by the global learning rate, so the
    /// decay a tensor gets relative to its own learning-rate factor stays the parametrization's.
    /// </summary>
    Independent,
}
