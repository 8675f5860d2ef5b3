using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>Top-1 accuracy of classification: the class with the largest logit against the target class.</summary>
public static class Accuracy
{
    /// <summary>
    /// How many of <paramref name="targets"/> ([batch] class indices, or [batch, classes] probabilities: their most
    /// probable class) the logits <paramref name="output"/> ([batch, classes]) rank first, as an int64 scalar on the output's device.
    /// </summary>
    public static Tensor Correct(Tensor output, Tensor targets) =>
        output.detach().argmax(-1).eq(targets.dim() == output.dim() ? targets.argmax(-1) : targets).sum();
}
