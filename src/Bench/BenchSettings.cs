namespace Forge.Bench;

/// <summary>What <c>forge bench</c> measures: the full harness, or a seconds-long smoke run (<see cref="Quick"/>).</summary>
/// <param name="Widths"><c>gpt</c> widths (fp32 against the bare loop; bf16 up to 512).</param>
/// <param name="MlpWidths"><c>mlp</c> widths (fp32 against the bare loop, and bf16).</param>
/// <param name="Contexts">Context lengths of the context-scaling figure, at <paramref name="ContextWidth"/>.</param>
/// <param name="BlockSeconds">About how long one timed block of steps lasts; the steps per block follow from the model's FLOPs.</param>
/// <param name="MinBlockSteps">Fewest steps in a block (at least 3: the first and last hold evaluations and are not timed).</param>
/// <param name="MinPairs">Fewest interleaved Forge/bare pairs of blocks behind a framework tax (6 gives a 95 % interval for the median).</param>
/// <param name="MaxPairs">Most pairs.</param>
/// <param name="PairBudgetSeconds">Pairs are added up to this much time per model, between the two bounds.</param>
/// <param name="MemoryWidth">Width of the <c>gpt</c> (context 64) the memory soak trains; fixed, so narrowing the widths does not slow it.</param>
/// <param name="SweepTrials">Trials of the sweep-efficiency figure (gpt width 64, run twice: a fresh process per trial, then reused workers).</param>
/// <param name="SweepSteps">Steps per trial of that sweep.</param>
/// <param name="ForgeOnlyBlocks">Blocks for the figures without a bare loop (bf16, context scaling).</param>
public sealed record BenchSettings(
    int[] Widths, int[] MlpWidths, int[] Contexts, int ContextWidth, int Depth, int Context, int Batch,
    double BlockSeconds, int MinBlockSteps, int MinPairs, int MaxPairs, double PairBudgetSeconds, int ForgeOnlyBlocks,
    int MemoryWidth, int MemorySteps, int MemoryWarmupSteps, int SweepTrials, int SweepSteps, int GemmSize, bool Bf16, string DataPath, bool Quick)
{
    public static BenchSettings Full(string dataPath) =>
        new(new[] { 128, 256, 512, 1024 }, new[] { 128, 256, 512, 1024 }, new[] { 64, 128, 256, 512 }, 256, 4, 256, 8,
            BlockSeconds: 4, MinBlockSteps: 4, MinPairs: 6, MaxPairs: 12, PairBudgetSeconds: 90, ForgeOnlyBlocks: 3,
            MemoryWidth: 128, MemorySteps: 2000, MemoryWarmupSteps: 1000, SweepTrials: 8, SweepSteps: 100, GemmSize: 1024, Bf16: true, dataPath, Quick: false);

    public static BenchSettings Smoke(string dataPath) =>
        new(new[] { 32, 64 }, new[] { 32, 64 }, new[] { 16, 32 }, 32, 2, 32, 2,
            BlockSeconds: 0.01, MinBlockSteps: 3, MinPairs: 2, MaxPairs: 2, PairBudgetSeconds: 0, ForgeOnlyBlocks: 1,
            MemoryWidth: 32, MemorySteps: 30, MemoryWarmupSteps: 20, SweepTrials: 4, SweepSteps: 5, GemmSize: 128, Bf16: false, dataPath, Quick: true);

    /// <summary>Only these widths (for both models), and fp32 only when <paramref name="fp32Only"/> (for measuring one change quickly).</summary>
    public BenchSettings Narrowed(int[]? widths, bool fp32Only) =>
        this with
        {
            Widths = widths is { Length: > 0 } ? widths : Widths,
            MlpWidths = widths is { Length: > 0 } ? widths : MlpWidths,
            Bf16 = Bf16 && !fp32Only,
        };

    /// <summary>Most steps in a timed block.</summary>
    public int MaxBlockSteps => Quick ? 4 : 40;
}
