using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// <c>torch.optim.SGD</c> with decoupled weight decay: before each update every weight of group i is multiplied by
/// <c>1 − lr_i·λ_i</c> (lr_i at this step, after the schedule), then SGD's own update runs without L2. The gradient
/// does not depend on the weight at update time, so decaying first equals AdamW's order.
/// </summary>
internal sealed class DecoupledDecaySgd(IReadOnlyList<SGD.ParamGroup> groups, IReadOnlyList<double> decay, SgdOptions options)
    : SGD(groups, options.Lr, options.Momentum, options.Dampening, 0.0, options.Nesterov)
{
    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null)
    {
        using (no_grad())
        {
            for (int i = 0; i < groups.Count; i++)
            {
                if (decay[i] == 0)
                    continue;
                // Held until the end of the loop: an implicit conversion's Scalar may be finalized during the native call.
                using var keep = (1 - groups[i].LearningRate * decay[i]).ToScalar();
                foreach (var parameter in groups[i].Parameters)
                    if (parameter.grad is not null)
                        parameter.mul_(keep);
            }
        }
        return base.step(closure);
    }
}
