using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Unit-scaled softmax cross-entropy of <paramref name="logits"/> (predictions, classes) against class indices:
    /// the value is the mean cross-entropy of <c>mult·logits</c> (mult = α_loss-softmax), exactly what
    /// <c>nn.functional.cross_entropy</c> returns for them. Backward: the sum (not the mean) is differentiated and
    /// the logits' gradient is multiplied by <c>classes/√(classes−1)</c>, so it is unit for near-uniform
    /// predictions: <c>(p − y)·classes/√(classes−1)</c> per prediction, whatever the batch size, with p the softmax of
    /// <c>mult·logits</c>. The multiplier acts in the forward pass only, as graphcore's <c>scale_fwd(input, mult)</c>
    /// does: the logits' gradient is not multiplied by it.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, double mult = 1.0)
    {
        long predictions = logits.shape[0], classes = logits.shape[^1];
        var scaled = ScaleForward(ScaleBackward(logits, classes / Math.Sqrt(classes - 1)), mult);
        var total = nn.functional.cross_entropy(scaled, targets, reduction: nn.Reduction.Sum);
        return ScaleForward(total, 1.0 / predictions);
    }

    /// <summary>
    /// Unit-scaled mean squared error: the value is the mean of <c>(x − y)²</c>; backward differentiates the sum and
    /// multiplies the prediction's gradient by <c>8^-½</c> (unit for unit, independent x and y).
    /// </summary>
    public static Tensor MseLoss(Tensor prediction, Tensor target)
    {
        var total = ScaleBackward(prediction, 1 / Math.Sqrt(8)).sub(target).square().sum();
        return ScaleForward(total, 1.0 / prediction.numel());
    }
}
