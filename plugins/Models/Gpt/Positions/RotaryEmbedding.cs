using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt.Positions;

/// <summary>
/// RoPE (Su et al. 2021, "RoFormer"): each query and key vector (batch, heads, time, d_head) is rotated in the planes
/// (x_i, x_{i+d/2}) by the angle p·base^(−2i/d) of its absolute position p (the half-split pairing of GPT-NeoX and
/// Hugging Face's Llama). A rotation keeps the vector's norm, so it needs no scale under any parametrization.
/// </summary>
internal static class RotaryEmbedding
{
    public static Tensor Rotate(Tensor x, long start, double theta)
    {
        long time = x.shape[^2], dimension = x.shape[^1], half = dimension / 2;
        using var scope = NewDisposeScope();
        var angles = new double[time * half]; // (time, half), computed here so no number goes to libtorch as a temporary Scalar
        for (long t = 0; t < time; t++)
            for (long i = 0; i < half; i++)
                angles[t * half + i] = (start + t) * Math.Pow(theta, -2.0 * i / dimension);
        var table = tensor(angles, new[] { time, half }, device: x.device);
        var cos = table.cos().to(x.dtype);
        var sin = table.sin().to(x.dtype);
        var first = x.narrow(-1, 0, half);
        var second = x.narrow(-1, half, half);
        var rotated = cat(new[] { first.mul(cos).sub(second.mul(sin)), second.mul(cos).add(first.mul(sin)) }, -1);
        return rotated.MoveToOuterDisposeScope();
    }
}
