using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt.Positions;

/// <summary>
/// ALiBi (Press et al. 2022, "Train Short, Test Long"): head h of H (h = 1…H) adds −m_h·(i − j) to the logit of query
/// position i for key position j, with m_h = 2^(−8h/H). The slopes depend only on the head's fraction h/H, so a wider
/// model (more heads of the same size) covers the same range of slopes, from 2^(−8/H) to 2^(−8), more densely; the
/// bias does not depend on the width otherwise, and it is added after the parametrization's logit scale.
/// </summary>
internal static class AlibiBias
{
    /// <summary>The bias (heads, new, all) for queries at positions all − new … all − 1 over keys 0 … all − 1.</summary>
    public static Tensor For(int heads, long added, long all, Device device)
    {
        var slopes = Slopes(heads);
        var bias = new float[heads * added * all];
        for (int h = 0; h < heads; h++)
            for (long i = 0; i < added; i++)
                for (long j = 0; j < all; j++)
                    bias[(h * added + i) * all + j] = (float)(-slopes[h] * (all - added + i - j));
        return tensor(bias, new[] { heads, added, all }, device: device);
    }

    /// <summary>m_h = 2^(−8h/H) for h = 1…H.</summary>
    public static double[] Slopes(int heads) => Enumerable.Range(1, heads).Select(h => Math.Pow(2, -8.0 * h / heads)).ToArray();
}
