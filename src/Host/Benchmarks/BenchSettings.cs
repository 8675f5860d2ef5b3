namespace Forge.Host.Benchmarks;

/// <summary>What <c>forge bench</c> measures: the full harness, or a seconds-long smoke run (<see cref="Quick"/>).</summary>
internal sealed record BenchSettings(
    int[] Widths, int[] Contexts, int ContextWidth, int Depth, int Context, int Batch, int Repeats, int MemorySteps, int GemmSize, bool Bf16,
    string DataPath, bool Quick)
{
    public static BenchSettings Full(string dataPath) =>
        new(new[] { 128, 256, 512, 1024 }, new[] { 64, 128, 256, 512 }, 256, 4, 256, 8, 5, 2000, 1024, true, dataPath, false);

    public static BenchSettings Smoke(string dataPath) =>
        new(new[] { 32, 64 }, new[] { 16, 32 }, 32, 2, 32, 2, 1, 30, 128, false, dataPath, true);

    /// <summary>Only these widths, and fp32 only when <paramref name="fp32Only"/> (for measuring one change quickly).</summary>
    public BenchSettings Narrowed(int[]? widths, bool fp32Only) =>
        this with { Widths = widths is { Length: > 0 } ? widths : Widths, Bf16 = Bf16 && !fp32Only };

    /// <summary>Steps per timed repetition at <paramref name="width"/>: fewer for wide models (about 2 s each on 2 cores).</summary>
    public int StepsAt(int width) => Quick ? 4 : width switch { <= 128 => 40, <= 256 => 16, <= 512 => 6, _ => 3 };
}
