using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Layer norm over the last dimension (output unit by construction, forward unchanged). The gain's and bias's
    /// gradients are multiplied by <c>√(size/numel)</c>, since each sums over numel/size rows. u-μP uses
    /// non-trainable norms by default (pass no gain or bias).
    /// </summary>
    public static Tensor LayerNorm(Tensor input, long size, Tensor? gain = null, Tensor? bias = null, double epsilon = 1e-5)
    {
        double s = Math.Sqrt((double)size / input.numel());
        return nn.functional.layer_norm(input, new[] { size },
            gain is null ? null : ScaleBackward(gain, s), bias is null ? null : ScaleBackward(bias, s), epsilon);
    }

    /// <summary>
    /// RMS norm over the last dimension, <c>x / √(mean(x²) + ε)·gain</c>; forward unchanged, gain gradient times
    /// <c>√(size/numel)</c> as in <see cref="LayerNorm"/>.
    /// </summary>
    public static Tensor RmsNorm(Tensor input, Tensor? gain = null, double epsilon = 1e-6)
    {
        var normalised = input.mul(input.square().mean(new long[] { -1 }, keepdim: true).Plus(epsilon).rsqrt());
        return gain is null ? normalised : normalised.mul(ScaleBackward(gain, Math.Sqrt((double)input.shape[^1] / input.numel())));
    }
}
