using Forge.Abstractions.Data;
using Forge.Abstractions.Ops;
using static TorchSharp.torch;

namespace Forge.Core.Composition;

/// <summary>
/// The training loss each task uses, computed by the parametrization's ops (plain or unit-scaled): MSE for
/// regression, mean cross-entropy over predictions otherwise.
/// </summary>
public static class LossFunction
{
    public static Tensor Compute(TaskKind task, ModelOps ops, Tensor output, Tensor targets) => task switch
    {
        TaskKind.Regression => ops.MseLoss(output, targets),
        TaskKind.Classification => ops.CrossEntropy(output, targets),
        TaskKind.LanguageModeling => ops.CrossEntropy(output.view(-1, output.shape[^1]), targets.view(-1)),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    /// <summary>The loss of <paramref name="experiment"/>'s model on one batch.</summary>
    public static Tensor Compute(Experiment experiment, Tensor output, Tensor targets) =>
        Compute(experiment.Dataset.Description.Task, experiment.Ops, output, targets);
}
