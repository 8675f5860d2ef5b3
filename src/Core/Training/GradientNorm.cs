using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// The global L2 norm of all gradients and clipping to a maximum, computed on the device without reading the value
/// back (unlike <c>clip_grad_norm_</c>, which returns a host double and so syncs every step).
/// </summary>
public static class GradientNorm
{
    public static Tensor Compute(IReadOnlyList<Parameter> parameters)
    {
        var norms = parameters.Select(p => p.grad).OfType<Tensor>().Select(g => g.norm()).ToArray();
        return norms.Length == 0 ? zeros(1) : stack(norms).norm();
    }

    /// <summary>Scales gradients in place so their global norm is at most <paramref name="maxNorm"/>.</summary>
    public static void Clip(IReadOnlyList<Parameter> parameters, Tensor totalNorm, double maxNorm)
    {
        // Scalars held until the native calls return (Forge.Abstractions' HeldScalars says why).
        using var epsilon = 1e-6.ToScalar();
        using var max = maxNorm.ToScalar();
        using var one = 1.0.ToScalar();
        var coefficient = (max / (totalNorm + epsilon)).clamp_max(one);
        using (no_grad())
            foreach (var grad in parameters.Select(p => p.grad).OfType<Tensor>())
                grad.mul_(coefficient);
    }
}
