namespace Forge.Bench;

/// <summary>One model size: Forge's step against the bare loop, and against the GEMM peak.</summary>
/// <param name="MatmulParameters">Parameters that take part in matmuls: all but the embedding tables.</param>
/// <param name="StepsPerBlock">Steps in each timed block (all but the first and last are timed).</param>
/// <param name="ForgeSecondsPerStep">Median over every timed step of Forge's loop.</param>
/// <param name="BareSecondsPerStep">Median over every timed step of the bare loop.</param>
/// <param name="FlopsPerStep">See <see cref="BenchModel.FlopsPerStep"/>.</param>
public sealed record StepFigures(string Model, int Width, int Context, string Precision, long Parameters, long MatmulParameters, int StepsPerBlock,
    double ForgeSecondsPerStep, double? BareSecondsPerStep, double FlopsPerStep, double GemmFlops)
{
    /// <summary>
    /// The framework tax: for each interleaved pair of blocks, Forge's median step over the bare loop's, minus one; the
    /// median of those pairs with its 95 % distribution-free interval.
    /// </summary>
    public MedianInterval? Tax { get; init; }

    /// <summary>Every timed step of Forge's loop, in seconds, in the order measured.</summary>
    public IReadOnlyList<double> ForgeSamples { get; init; } = Array.Empty<double>();

    /// <summary>Every timed step of the bare loop, in seconds, in the order measured.</summary>
    public IReadOnlyList<double>? BareSamples { get; init; }

    /// <summary>Each pair's tax, in the order measured.</summary>
    public IReadOnlyList<double>? PairTaxes { get; init; }

    public double AchievedFlops => FlopsPerStep / ForgeSecondsPerStep;

    public double RooflineRatio => AchievedFlops / GemmFlops;
}

/// <summary>A fitted power law: time ∝ x^Exponent over the points.</summary>
public sealed record Scaling(string Variable, IReadOnlyList<ScalingPoint> Points, double Exponent);

/// <summary>One point of a <see cref="Scaling"/>: the variable's value and the seconds per step there.</summary>
public sealed record ScalingPoint(int X, double Seconds);

/// <summary>Memory over a long run: resident set and live tensors must stay flat after warm-up.</summary>
public sealed record MemoryFigures(int Steps, double RssAfterWarmupMb, double RssAfterMb, long LiveTensorsAfterWarmup, long LiveTensorsAfter,
    double PeakRssMb, double BaselineRssMb, double EstimateMb);

/// <summary>Building a batch against the step it feeds.</summary>
public sealed record DataFigures(double BatchSeconds, double StepSeconds)
{
    public double Fraction => BatchSeconds / StepSeconds;
}

/// <summary>One model's step on one thread against all of <see cref="Threads"/>: how well libtorch's intra-op threads pay.</summary>
/// <param name="Model">What was timed.</param>
/// <param name="Threads">The thread count Forge uses by default (the cores .NET sees, which honours container CPU limits).</param>
public sealed record ThreadFigures(string Model, int Threads, double OneThreadSecondsPerStep, double AllThreadsSecondsPerStep)
{
    public double Speedup => OneThreadSecondsPerStep / AllThreadsSecondsPerStep;

    /// <summary>Speedup over thread count: below one, that many single-threaded trials side by side do more work than one trial on all threads.</summary>
    public double Efficiency => Speedup / Threads;
}

/// <summary>Everything one <c>forge bench</c> run measured, with the machine it ran on.</summary>
public sealed record BenchReport(string Machine, int Threads, DateTimeOffset When, bool Quick,
    IReadOnlyList<StepFigures> Steps, IReadOnlyList<Scaling> Scaling, MemoryFigures Memory, DataFigures Data)
{
    /// <summary>One thread against all, when the machine has more than one core.</summary>
    public ThreadFigures? ThreadScaling { get; init; }

    /// <summary>The optimisations that changed Forge's step, each measured at the op level.</summary>
    public IReadOnlyList<LeverFigures> Levers { get; init; } = Array.Empty<LeverFigures>();

    /// <summary>Sweep efficiency (useful training time over worker wall time, start-up per trial), with a fresh process per trial and with reused workers.</summary>
    public IReadOnlyList<SweepFigures> Sweeps { get; init; } = Array.Empty<SweepFigures>();
}
