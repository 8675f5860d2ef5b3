using static TorchSharp.torch;

namespace Forge.Plugins.Optimizers;

/// <summary>
/// Approximate orthogonalisation G ↦ U·S'·Vᵀ (G = U·S·Vᵀ, every singular value pushed towards 1) by the quintic
/// Newton–Schulz iteration of Muon (Jordan et al. 2024, "Muon: an optimizer for hidden layers in neural networks";
/// coefficients a, b, c = 3.4445, −4.7750, 2.0315). Each step maps every singular value s ↦ a·s + b·s³ + c·s⁵ after
/// scaling G by its Frobenius norm; five steps leave them between about 0.7 and 1.2, which is what Muon needs and far
/// cheaper than an SVD. Works on a batch of same-shape matrices at once (the leading dimension).
/// </summary>
public static class NewtonSchulz
{
    private const double A = 3.4445, B = -4.7750, C = 2.0315;

    /// <summary>The orthogonalised matrices of <paramref name="matrices"/> (shape [batch, rows, cols]).</summary>
    public static Tensor Orthogonalize(Tensor matrices, int steps = 5)
    {
        bool tall = matrices.shape[^2] > matrices.shape[^1];
        var x = tall ? matrices.transpose(-2, -1) : matrices; // iterate on the wide side: X·Xᵀ is the smaller Gram matrix
        x = x / (linalg.matrix_norm(x, "fro", dims: new long[] { -2, -1 }, keepdim: true) + 1e-7);
        for (int i = 0; i < steps; i++)
        {
            var gram = x.matmul(x.transpose(-2, -1));
            var poly = gram * B + gram.matmul(gram) * C;
            x = x * A + poly.matmul(x);
        }
        return tall ? x.transpose(-2, -1) : x;
    }
}
