using Forge.Abstractions.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Host.Training;

/// <summary>The training loss each task uses: MSE for regression, mean cross-entropy over predictions otherwise.</summary>
internal static class LossFunction
{
    public static Tensor Compute(TaskKind task, Tensor output, Tensor targets) => task switch
    {
        TaskKind.Regression => nn.functional.mse_loss(output, targets),
        TaskKind.Classification => nn.functional.cross_entropy(output, targets),
        TaskKind.LanguageModeling => nn.functional.cross_entropy(output.view(-1, output.shape[^1]), targets.view(-1)),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };
}
