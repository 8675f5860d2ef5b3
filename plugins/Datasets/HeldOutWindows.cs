using Forge.Abstractions.Data;
using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// The held-out batches of a language-modelling dataset: windows drawn from a generator of their own with a fixed
/// seed, so every evaluation of a run sees the same windows, and the text and tokens datasets see the same ones for
/// the same tokens.
/// </summary>
internal static class HeldOutWindows
{
    private const ulong Seed = 0x7E57_0E0A;

    /// <summary><paramref name="count"/> batches from <paramref name="window"/>, the same on every call.</summary>
    public static IEnumerable<Batch> Batches(int count, Func<Generator, Batch> window)
    {
        using var generator = new Generator(Seed);
        for (int i = 0; i < count; i++)
            yield return window(generator);
    }
}
