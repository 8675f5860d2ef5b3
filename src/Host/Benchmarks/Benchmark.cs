using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Host.Cli;
using Forge.Host.Console;
using Forge.Host.Plugins;
using Forge.Host.Specs;
using Forge.Host.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Host.Benchmarks;

/// <summary>
/// The measurements of <c>forge bench</c>. Every figure is a ratio of two things measured in this process, on this
/// machine, with the same thread count: Forge's full training step (<see cref="Trainer"/> with the parametrization's
/// multipliers, schedule, metrics file, progress reporting and dispose scopes) against <see cref="BareGpt"/> trained
/// by a bare TorchSharp loop on the same batches, in interleaved repetitions (median); achieved FLOP/s against a
/// square matmul of the same dtype; batch construction against the step it feeds.
/// </summary>
internal sealed class Benchmark(BenchSettings settings, TextWriter log)
{
    private readonly SpecLoader _loader = new(PluginCatalog.BuiltIn());

    public async Task<BenchReport> RunAsync()
    {
        var report = Run();
        var sweep = await SweepFigures.MeasureAsync(settings.DataPath, settings.Quick ? 2 : 6, settings.Quick ? 5 : 100, Math.Max(1, Environment.ProcessorCount), log);
        return report with { Sweep = sweep };
    }

    private BenchReport Run()
    {
        var memory = MeasureMemory(); // first, so its peak is its own and not a wider model's
        var steps = new List<StepFigures>();
        var gemm = new Dictionary<ScalarType, double>
        {
            [ScalarType.Float32] = GemmPeak.Best(ScalarType.Float32, settings.GemmSize, 2 * settings.GemmSize),
        };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM peak fp32 (best of {settings.GemmSize}² and {2 * settings.GemmSize}²): {gemm[ScalarType.Float32] / 1e9:F1} GFLOP/s"));
        foreach (int width in settings.Widths)
            steps.Add(MeasureStep(width, settings.Context, "fp32", gemm[ScalarType.Float32], withBare: true));
        if (settings.Bf16)
        {
            gemm[ScalarType.BFloat16] = GemmPeak.Best(ScalarType.BFloat16, settings.GemmSize, 2 * settings.GemmSize);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"GEMM peak bf16 (best of {settings.GemmSize}² and {2 * settings.GemmSize}²): {gemm[ScalarType.BFloat16] / 1e9:F1} GFLOP/s"));
            foreach (int width in settings.Widths.Where(w => w <= 512)) // bf16 matmuls are emulated on CPUs without bf16 units: wider would take minutes a step
                steps.Add(MeasureStep(width, settings.Context, "bf16", gemm[ScalarType.BFloat16], withBare: false));
        }
        var contexts = settings.Contexts.Select(c => MeasureStep(settings.ContextWidth, c, "fp32", gemm[ScalarType.Float32], withBare: false)).ToList();
        var fp32 = steps.Where(s => s.Precision == "fp32").ToList();
        var scaling = new List<Scaling>
        {
            Fit("width", fp32.Select(s => (s.Width, s.ForgeSecondsPerStep)).ToList()),
            Fit("context", contexts.Select(s => (s.Context, s.ForgeSecondsPerStep)).ToList()),
        };
        var data = MeasureData(fp32.FirstOrDefault(s => s.Width == settings.ContextWidth) ?? fp32[^1]);
        return new BenchReport(Environment.MachineName, torch.get_num_threads(), DateTimeOffset.UtcNow, settings.Quick, steps.Concat(contexts.Where(c => c.Context != settings.Context)).ToList(), scaling, memory, data);
    }

    private JsonObject Spec(int width, int context, string precision, int steps, int logInterval) => new()
    {
        ["name"] = "bench",
        ["seed"] = 1,
        ["device"] = "cpu",
        ["precision"] = precision,
        ["model"] = new JsonObject { ["name"] = "gpt", ["width"] = width, ["depth"] = settings.Depth, ["headDim"] = Math.Min(32, width / 2) },
        ["data"] = new JsonObject { ["name"] = "text", ["path"] = Path.GetFullPath(settings.DataPath), ["context"] = context },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 1e-3, ["weightDecay"] = 0.0 },
        ["parametrization"] = new JsonObject { ["name"] = "sp" },
        ["checkpoint"] = "none",
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = settings.Batch, ["evalInterval"] = 0, ["evalBatches"] = 1, ["logInterval"] = logInterval, ["gradClip"] = 0,
            ["schedule"] = new JsonObject { ["decay"] = "constant" },
        },
    };

    private ComposedExperiment Build(JsonObject spec) =>
        ComposedExperiment.Build(_loader.Resolve(spec, Path.GetFullPath("bench.json"), Array.Empty<string>()));

    /// <summary>Seconds per step of Forge's trainer (its two evaluations timed and taken out).</summary>
    private static double ForgeStep(ComposedExperiment built, int steps)
    {
        var spec = built.Experiment.Spec.Spec.Training;
        var evaluation = Stopwatch.StartNew();
        Trainer.Evaluate(built.Experiment, spec.BatchSize, spec.EvalBatches);
        double evalSeconds = evaluation.Elapsed.TotalSeconds;
        var path = Path.GetTempFileName();
        try
        {
            using var metrics = new MetricsWriter(path);
            var clock = Stopwatch.StartNew();
            built.Trainer.Train(built.Experiment, metrics, new PlainProgressDisplay(TextWriter.Null), CancellationToken.None);
            return Math.Max(1e-9, clock.Elapsed.TotalSeconds - 2 * evalSeconds) / steps;
        }
        finally
        {
            File.Delete(path); // no layers.jsonl beside it: the benchmark's specs leave per-layer diagnostics off
        }
    }

    /// <summary>Seconds per step of the bare loop: batch, forward, cross-entropy, backward, AdamW; the loss read back every 10 steps as Forge logs it.</summary>
    private static double BareStep(BareGpt model, optim.Optimizer optimizer, Experiment experiment, Generator generator, int steps)
    {
        int batchSize = experiment.Spec.Spec.Training.BatchSize;
        var clock = Stopwatch.StartNew();
        for (int step = 1; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            using var batch = experiment.Dataset.NextTrainingBatch(batchSize, generator);
            optimizer.zero_grad();
            var logits = model.call(batch.Inputs);
            var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), batch.Targets.reshape(-1));
            loss.backward();
            optimizer.step();
            if (step % 10 == 0)
                _ = loss.item<float>();
        }
        return clock.Elapsed.TotalSeconds / steps;
    }

    private StepFigures MeasureStep(int width, int context, string precision, double gemmFlops, bool withBare)
    {
        int steps = settings.StepsAt(width);
        using var built = Build(Spec(width, context, precision, steps, logInterval: 10));
        var experiment = built.Experiment;
        var data = experiment.Dataset.Description;
        int heads = width / Math.Min(32, width / 2);
        using var bare = withBare ? new BareGpt(data.VocabularySize, context, width, settings.Depth, heads) : null;
        using var bareOptimizer = bare is null ? null : optim.AdamW(bare.parameters(), 1e-3, weight_decay: 0);
        using var generator = ExperimentBuilder.DataGenerator(2);
        ForgeStep(built, steps); // warm-up: allocator, kernels, JIT
        if (bare is not null)
            BareStep(bare, bareOptimizer!, experiment, generator, Math.Min(steps, 3));
        var forge = new List<double>();
        var bareTimes = new List<double>();
        for (int r = 0; r < settings.Repeats; r++)
        {
            forge.Add(ForgeStep(built, steps));
            if (bare is not null)
                bareTimes.Add(BareStep(bare, bareOptimizer!, experiment, generator, steps));
        }
        long parameters = experiment.ParameterCount;
        double tokens = (double)settings.Batch * context;
        double flops = 6.0 * parameters * tokens + 12.0 * settings.Depth * settings.Batch * (double)context * context * width;
        var figures = new StepFigures("gpt", width, context, precision, parameters, steps, Median.Of(forge), bare is null ? null : Median.Of(bareTimes), flops, gemmFlops)
        {
            Tax = bare is null ? null : Median.Of(forge.Zip(bareTimes, (f, b) => f / b - 1)),
        };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"gpt width {width} context {context} {precision}: {figures.ForgeSecondsPerStep * 1e3:F1} ms/step{(figures.BareSecondsPerStep is { } b ? $", bare {b * 1e3:F1} ms, tax {figures.Tax:P1}" : "")}, {figures.AchievedFlops / 1e9:F1} GFLOP/s = {figures.RooflineRatio:P0} of GEMM peak"));
        return figures;
    }

    private MemoryFigures MeasureMemory()
    {
        double Rss() => Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        using (torch.zeros(1)) { } // libtorch loaded: the baseline is the process with its native libraries, before any model
        double baseline = Rss();
        int width = settings.Widths[0], context = Math.Min(64, settings.Context);
        using var built = Build(Spec(width, context, "fp32", settings.MemorySteps, logInterval: 100));
        // Warm-up long enough for libtorch's and glibc's allocators to reach their working set (RSS grows for ~1,000 steps, then is flat).
        int warmSteps = settings.Quick ? 20 : 1000;
        var warm = Build(Spec(width, context, "fp32", warmSteps, logInterval: 100));
        ForgeStep(warm, warmSteps);
        warm.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double afterWarmup = Rss();
        long liveAfterWarmup = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        ForgeStep(built, settings.MemorySteps);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        double after = Rss();
        long liveAfter = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long parameters = built.Experiment.ParameterCount;
        // Weights, gradients and AdamW's two moments in fp32, plus activations (Korthikanti et al. 2022: s·b·h·(34 + 5·a·s/h) bytes per layer in 16-bit, doubled for fp32).
        int heads = width / Math.Min(32, width / 2);
        double activations = 2.0 * settings.Depth * context * settings.Batch * width * (34 + 5.0 * heads * context / width);
        double estimate = (4.0 * 4 * parameters + activations) / 1048576.0;
        var figures = new MemoryFigures(settings.MemorySteps, afterWarmup, after, liveAfterWarmup, liveAfter,
            Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, baseline, estimate);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory over {settings.MemorySteps} steps: RSS {afterWarmup:F0} -> {after:F0} MB, live tensors {liveAfterWarmup} -> {liveAfter}, peak {figures.PeakRssMb:F0} MB (baseline {baseline:F0} MB + estimate {estimate:F1} MB)"));
        return figures;
    }

    private DataFigures MeasureData(StepFigures step)
    {
        using var built = Build(Spec(step.Width, step.Context, "fp32", 1, logInterval: 1));
        using var generator = ExperimentBuilder.DataGenerator(3);
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
