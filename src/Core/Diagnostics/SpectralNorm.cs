using static TorchSharp.torch;

namespace Forge.Core.Diagnostics;

/// <summary>The largest singular value of a matrix by power iteration on MᵀM, on the matrix's device, without reading it back.</summary>
public static class SpectralNorm
{
    /// <param name="matrix">A 2-D tensor.</param>
    /// <param name="iterations">Power-iteration steps; the estimate approaches σ₁ from below.</param>
    /// <param name="generator">Draws the start vector (a CPU generator, kept apart from the training streams).</param>
    public static Tensor Estimate(Tensor matrix, int iterations, Generator generator)
    {
        using var noGrad = no_grad();
        var m = matrix.detach().to(float32);
        var v = randn(new[] { m.shape[1] }, generator: generator).to(m.device);
        v = v / v.norm();
        for (int k = 0; k < iterations; k++)
        {
            var u = m.mv(v);
            u = u / (u.norm() + 1e-30f);
            v = m.t().mv(u);
            v = v / (v.norm() + 1e-30f);
        }
        return m.mv(v).norm();
    }
}
