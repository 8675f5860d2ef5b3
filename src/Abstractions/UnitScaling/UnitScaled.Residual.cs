using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Splits the residual stream before a branch with weight <paramref name="tau"/> (u-μP App. G; graphcore's
    /// <c>residual_split</c>): both outputs equal the input; on the way back the branch's gradient is multiplied by
    /// <c>τ/√(1+τ²)</c> and the skip's by <c>1/√(1+τ²)</c>. Applying the branch's backward scale here, after the
    /// branch, keeps the gradients inside the branch unit-scaled. Pair with <see cref="ResidualAdd"/>.
    /// </summary>
    public static (Tensor Branch, Tensor Skip) ResidualSplit(Tensor input, double tau)
    {
        double norm = Math.Sqrt(1 + tau * tau);
        return (ScaleBackward(input, tau / norm), ScaleBackward(input, 1 / norm));
    }

    /// <summary>
    /// Joins a branch back into the stream: <c>(τ·branch + skip)/√(1+τ²)</c>, forward-only scales (the backward
    /// ones were applied by <see cref="ResidualSplit"/>). For unit, independent inputs the output is unit; the
    /// gradient reaching the split's input is the exact gradient of this function.
    /// </summary>
    public static Tensor ResidualAdd(Tensor branch, Tensor skip, double tau)
    {
        double norm = Math.Sqrt(1 + tau * tau);
        return ScaleForward(branch, tau / norm).add(ScaleForward(skip, 1 / norm));
    }
}
