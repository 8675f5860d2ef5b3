using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;
using TorchSharp;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Core.Training;
using Forge.Core.Hosting;

namespace Forge.Bench;

/// <summary>
/// The measurements of <c>forge bench</c>. Every figure is a ratio of two things measured in this process, on this
/// machine, with the same thread count: Forge's whole training loop (<see cref="Forge.Core.Training.TrainingLoop"/>
/// with its observers, the parametrization's multipliers, schedule, metrics file, instruments, progress and dispose
/// scopes, logging every step) against
/// <see cref="BareLoop"/> on the same model written on TorchSharp's own modules, in interleaved pairs of blocks;
/// achieved FLOP/s against a square matmul of the same dtype; batch construction against the step it feeds; one
/// thread against all.
/// </summary>
public sealed class Benchmark(BenchSettings settings, TextWriter log)
{
    private readonly SpecLoader _loader = new(PluginCatalog.BuiltIn());

    public async Task<BenchReport> RunAsync()
    {
        var report = Run();
        var sweeps = new List<SweepFigures>();
        foreach (bool fresh in new[] { true, false })
            sweeps.Add(await SweepFigures.MeasureAsync(settings.DataPath, settings.SweepTrials, settings.SweepSteps, Math.Max(1, Environment.ProcessorCount), fresh, log));
        return report with { Sweeps = sweeps };
    }

    private BenchReport Run()
    {
        var memory = MeasureMemory(); // first, so its peak is its own and not a wider model's
        var gemm = new Dictionary<string, double> { ["fp32"] = Peak("fp32", ScalarType.Float32) };
        var steps = new List<StepFigures>();
        foreach (int width in settings.Widths)
            steps.Add(MeasureStep(Gpt(width, settings.Context), "fp32", gemm["fp32"], withBare: true));
        foreach (int width in settings.MlpWidths)
            steps.Add(MeasureStep(Mlp(width), "fp32", gemm["fp32"], withBare: true));
        if (settings.Bf16)
        {
            gemm["bf16"] = Peak("bf16", ScalarType.BFloat16);
            foreach (int width in settings.Widths.Where(w => w <= 512)) // wider bf16 steps take many seconds: left out to keep the harness short
                steps.Add(MeasureStep(Gpt(width, settings.Context), "bf16", gemm["bf16"], withBare: false));
            foreach (int width in settings.MlpWidths)
                steps.Add(MeasureStep(Mlp(width), "bf16", gemm["bf16"], withBare: false));
        }
        var contexts = settings.Contexts
            .Select(c => c == settings.Context && steps.FirstOrDefault(s => s.Model == "gpt" && s.Width == settings.ContextWidth && s.Precision == "fp32") is { } measured
                ? measured
                : MeasureStep(Gpt(settings.ContextWidth, c), "fp32", gemm["fp32"], withBare: false))
            .ToList();
        var gptFp32 = steps.Where(s => s.Model == "gpt" && s.Precision == "fp32").ToList();
        var scaling = new List<Scaling>
        {
            Fit("gpt width", gptFp32.Select(s => (s.Width, s.ForgeSecondsPerStep)).ToList()),
            Fit("mlp width", steps.Where(s => s.Model == "mlp" && s.Precision == "fp32").Select(s => (s.Width, s.ForgeSecondsPerStep)).ToList()),
            Fit("gpt context", contexts.Select(s => (s.Context, s.ForgeSecondsPerStep)).ToList()),
        };
        var data = MeasureData(gptFp32.FirstOrDefault(s => s.Width == settings.ContextWidth) ?? gptFp32[^1]);
        var threads = MeasureThreads(Gpt(settings.ContextWidth, settings.Context), gemm["fp32"]);
        var levers = LeverFigures.Measure(Gpt(settings.ContextWidth, settings.Context), settings.Quick ? 2 : 12, settings.Quick ? 2 : 10, log);
        var all = steps.Concat(contexts.Where(c => c.Context != settings.Context)).ToList();
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), DateTimeOffset.UtcNow, settings.Quick, all, scaling, memory, data)
        {
            ThreadScaling = threads,
            Levers = levers,
        };
    }

    private BenchModel Gpt(int width, int context) => new("gpt", width, context, settings.Depth, settings.Batch);

    private BenchModel Mlp(int width) => new("mlp", width, settings.Context, settings.Depth, settings.Batch);

    private double Peak(string name, ScalarType dtype)
    {
        double peak = GemmPeak.Best(dtype, settings.GemmSize, 2 * settings.GemmSize);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM peak {name} (best of {settings.GemmSize}² and {2 * settings.GemmSize}²): {peak / 1e9:F1} GFLOP/s"));
        return peak;
    }

    private ComposedExperiment Build(JsonObject spec) =>
        ComposedExperiment.Build(_loader.Resolve(spec, Path.GetFullPath("bench.json"), Array.Empty<string>()));

    private static long MatmulParameters(Experiment experiment) =>
        experiment.Parameters.Where(p => p.Descriptor.Role != ParameterRole.Embedding).Sum(p => p.Value.numel());

    /// <summary>Steps per timed block: enough for about <see cref="BenchSettings.BlockSeconds"/>, guessed from the FLOPs at half the GEMM peak.</summary>
    private int BlockSteps(BenchModel model, string precision, double gemmFlops)
    {
        using var probe = Build(model.Spec(settings.DataPath, precision, settings.MinBlockSteps, logInterval: 1));
        double guess = model.FlopsPerStep(MatmulParameters(probe.Experiment)) / (0.5 * gemmFlops);
        return StepTiming.StepsFor(guess, settings.BlockSeconds, settings.MinBlockSteps, settings.MaxBlockSteps);
    }

    /// <summary>
    /// One model in one precision. With <paramref name="withBare"/>, blocks of Forge's loop and of the bare loop
    /// alternate (<see cref="AlternatingBlocks"/>) and the tax is the median over pairs of the ratio of their median
    /// steps; otherwise a few blocks of Forge's loop after a warm-up block.
    /// </summary>
    private StepFigures MeasureStep(BenchModel model, string precision, double gemmFlops, bool withBare)
    {
        int blockSteps = BlockSteps(model, precision, gemmFlops);
        using var built = Build(model.Spec(settings.DataPath, precision, blockSteps, logInterval: 1));
        using var bare = withBare ? new BareLoop(model, built.Experiment) : null;
        List<double> forge, bareSteps = new();
        List<double>? taxes = null;
        if (bare is null)
        {
            StepTiming.Forge(built); // warm-up
            forge = Enumerable.Range(0, settings.ForgeOnlyBlocks).SelectMany(_ => StepTiming.Forge(built)).ToList();
        }
        else
        {
            var blocks = AlternatingBlocks.Run(() => StepTiming.Forge(built), () => bare.Run(blockSteps - 2),
                warmup => Math.Clamp((int)(settings.PairBudgetSeconds / warmup.TotalSeconds), settings.MinPairs, settings.MaxPairs));
            (forge, bareSteps) = (blocks.First, blocks.Second);
            taxes = blocks.Pairs.Select(p => p.First / p.Second - 1).ToList();
        }
        var experiment = built.Experiment;
        long matmul = MatmulParameters(experiment);
        var figures = new StepFigures(model.Name, model.Width, model.Context, precision, experiment.ParameterCount, matmul, blockSteps,
            Median.Of(forge), bare is null ? null : Median.Of(bareSteps), model.FlopsPerStep(matmul), gemmFlops)
        {
            Tax = taxes is null ? null : MedianInterval.Of(taxes),
            ForgeSamples = forge,
            BareSamples = bare is null ? null : bareSteps,
            PairTaxes = taxes,
        };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model} {precision}: {figures.ForgeSecondsPerStep * 1e3:F1} ms/step{(figures.Tax is { } t ? $", bare {figures.BareSecondsPerStep * 1e3:F1} ms, tax {t.Median:+0.0%;-0.0%} ({t.Coverage:P0} interval {t.Low:+0.0%;-0.0%} to {t.High:+0.0%;-0.0%}, {t.Count} pairs)" : "")}, {figures.AchievedFlops / 1e9:F1} GFLOP/s = {figures.RooflineRatio:P0} of GEMM peak"));
        return figures;
    }

    /// <summary>The same model's step on one thread and on all, in alternating blocks.</summary>
    private ThreadFigures? MeasureThreads(BenchModel model, double gemmFlops)
    {
        int threads = torch.get_num_threads();
        if (threads < 2)
            return null;
        int blockSteps = BlockSteps(model, "fp32", gemmFlops);
        // One experiment per thread count: a run computes with its spec's threads (RunEnvironment.UseThreads).
        var spec = model.Spec(settings.DataPath, "fp32", blockSteps, logInterval: 1);
        spec["threads"] = 1;
        using var one = Build(spec.DeepClone().AsObject());
        spec["threads"] = threads;
        using var all = Build(spec);
        var blocks = AlternatingBlocks.Run(() => StepTiming.Forge(one), () => StepTiming.Forge(all), _ => settings.ForgeOnlyBlocks);
        var figures = new ThreadFigures(model.ToString(), threads, Median.Of(blocks.First), Median.Of(blocks.Second));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{model} fp32 on 1 thread: {figures.OneThreadSecondsPerStep * 1e3:F1} ms/step, on {threads}: {figures.AllThreadsSecondsPerStep * 1e3:F1} ms/step, speedup {figures.Speedup:F2} ({figures.Efficiency:P0} of linear)"));
        return figures;
    }

    private MemoryFigures MeasureMemory()
    {
        double Rss() => Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        using (torch.zeros(1)) { } // libtorch loaded: the baseline is the process with its native libraries, before any model
        double baseline = Rss();
        var model = Gpt(settings.MemoryWidth, Math.Min(64, settings.Context));
        using var built = Build(model.Spec(settings.DataPath, "fp32", settings.MemorySteps, logInterval: 100));
        // Warm-up long enough for libtorch's and glibc's allocators to reach their working set (RSS grows for ~1,000 steps, then is flat).
        using (var warm = Build(model.Spec(settings.DataPath, "fp32", settings.MemoryWarmupSteps, logInterval: 100)))
            StepTiming.Train(warm);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double afterWarmup = Rss();
        long liveAfterWarmup = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        StepTiming.Train(built);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double after = Rss();
        long liveAfter = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long parameters = built.Experiment.ParameterCount;
        // Weights, gradients and AdamW's two moments in fp32, plus activations (Korthikanti et al. 2022: s·b·h·(34 + 5·a·s/h) bytes per layer in 16-bit, doubled for fp32).
        double activations = 2.0 * settings.Depth * model.Context * settings.Batch * model.Width * (34 + 5.0 * model.Heads * model.Context / model.Width);
        double estimate = (4.0 * 4 * parameters + activations) / 1048576.0;
        var figures = new MemoryFigures(settings.MemorySteps, afterWarmup, after, liveAfterWarmup, liveAfter,
            Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, baseline, estimate);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory over {settings.MemorySteps} steps: RSS {afterWarmup:F0} -> {after:F0} MB, live tensors {liveAfterWarmup} -> {liveAfter}, peak {figures.PeakRssMb:F0} MB (baseline {baseline:F0} MB + estimate {estimate:F1} MB)"));
        return figures;
    }

    private DataFigures MeasureData(StepFigures step)
    {
        using var built = Build(Gpt(step.Width, step.Context).Spec(settings.DataPath, "fp32", 1, logInterval: 1));
        using var generator = DataStreams.Training(3);
        int count = settings.Quick ? 50 : 500;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
            built.Experiment.Dataset.NextTrainingBatch(settings.Batch, generator).Dispose();
        var figures = new DataFigures(clock.Elapsed.TotalSeconds / count, step.ForgeSecondsPerStep);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data: {figures.BatchSeconds * 1e6:F0} µs per batch = {figures.Fraction:P2} of a width-{step.Width} step"));
        return figures;
    }

    /// <summary>Least-squares slope of log time against log x.</summary>
    private static Scaling Fit(string variable, IReadOnlyList<(int X, double Seconds)> measured)
    {
        var points = measured.Select(p => new ScalingPoint(p.X, p.Seconds)).ToList();
        var xs = points.Select(p => Math.Log(p.X)).ToArray();
        var ys = points.Select(p => Math.Log(p.Seconds)).ToArray();
        double mx = xs.Average(), my = ys.Average();
        double slope = xs.Zip(ys, (x, y) => (x - mx) * (y - my)).Sum() / Math.Max(1e-12, xs.Sum(x => (x - mx) * (x - mx)));
        return new Scaling(variable, points, slope);
    }
}
