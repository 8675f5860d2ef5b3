using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Abstractions;

/// <summary>
/// Tensor arithmetic with a number, holding the number's <see cref="Scalar"/> until libtorch has read it. TorchSharp
/// turns a <c>double</c> argument into a temporary Scalar and passes only its native handle, so nothing keeps the
/// Scalar alive during the call and the garbage collector may finalize it (freeing the native value) while libtorch
/// reads it: seen in training as libtorch's "Expected false to be true" from <c>Scalar::toFloat</c> in a residual add.
/// </summary>
internal static class HeldScalars
{
    /// <summary><c>x · factor</c>.</summary>
    public static Tensor Times(this Tensor x, double factor)
    {
        using var scalar = factor.ToScalar();
        return x.mul(scalar);
    }

    /// <summary><c>x + alpha · other</c>.</summary>
    public static Tensor PlusScaled(this Tensor x, Tensor other, double alpha)
    {
        using var scalar = alpha.ToScalar();
        return x.add(other, scalar);
    }

    /// <summary><c>x + value</c>.</summary>
    public static Tensor Plus(this Tensor x, double value)
    {
        using var scalar = value.ToScalar();
        return x.add(scalar);
    }

    /// <summary><c>min(x, max)</c>.</summary>
    public static Tensor AtMost(this Tensor x, double max)
    {
        using var scalar = max.ToScalar();
        return x.clamp_max(scalar);
    }
}
