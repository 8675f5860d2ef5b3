namespace Forge.Host.Benchmarks;

/// <summary>One model size: Forge's step against the bare loop, and against the GEMM peak.</summary>
/// <param name="FlopsPerStep">6·P·tokens + 12·L·B·T²·d (forward and backward of the weights, and of attention's two T×T matmuls).</param>
internal sealed record StepFigures(string Model, int Width, int Context, string Precision, long Parameters, int Steps,
    double ForgeSecondsPerStep, double? BareSecondsPerStep, double FlopsPerStep, double GemmFlops)
{
    /// <summary>Forge's step time over the bare loop's, minus one: the framework tax (median of interleaved repetitions).</summary>
    public double? Tax { get; init; }

    public double AchievedFlops => FlopsPerStep / ForgeSecondsPerStep;

    public double RooflineRatio => AchievedFlops / GemmFlops;
}

/// <summary>A fitted power law: time ∝ x^Exponent over the points.</summary>
internal sealed record Scaling(string Variable, IReadOnlyList<ScalingPoint> Points, double Exponent);

/// <summary>One point of a <see cref="Scaling"/>: the variable's value and the seconds per step there.</summary>
internal sealed record ScalingPoint(int X, double Seconds);

/// <summary>Memory over a long run: resident set and live tensors must stay flat after warm-up.</summary>
internal sealed record MemoryFigures(int Steps, double RssAfterWarmupMb, double RssAfterMb, long LiveTensorsAfterWarmup, long LiveTensorsAfter,
    double PeakRssMb, double BaselineRssMb, double EstimateMb);

/// <summary>Building a batch against the step it feeds.</summary>
internal sealed record DataFigures(double BatchSeconds, double StepSeconds)
{
    public double Fraction => BatchSeconds / StepSeconds;
}

/// <summary>Everything one <c>forge bench</c> run measured, with the machine it ran on.</summary>
internal sealed record BenchReport(string Machine, int Threads, DateTimeOffset When, bool Quick,
    IReadOnlyList<StepFigures> Steps, IReadOnlyList<Scaling> Scaling, MemoryFigures Memory, DataFigures Data)
{
    /// <summary>Sweep efficiency (useful training time over worker wall time, start-up per trial).</summary>
    public SweepFigures? Sweep { get; init; }
}
