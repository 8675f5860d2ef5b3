using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Corpora;
using Forge.Core.Hosting;
using Forge.Core.Inference;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Core.Training;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>The <c>tokens</c> dataset's batch construction against the text dataset's and against the training step it feeds.</summary>
public sealed record TokenBatchFigures(int Width, int Context, int Batch, double TokensBatchSeconds, double TextBatchSeconds, double StepSeconds)
{
    public double Fraction => TokensBatchSeconds / StepSeconds;
}

/// <summary>Resident memory while training on a token file larger than this process should ever hold.</summary>
public sealed record LargeCorpusFigures(long CorpusBytes, int WarmupSteps, int Steps, double RssAfterOpenMb, double RssAfterWarmupMb, double RssAfterMb)
{
    public double GrowthMb => RssAfterMb - RssAfterWarmupMb;
}

/// <summary>Median time per generated token at two positions, with the key-value cache and without it (the window run again).</summary>
public sealed record SamplingFigures(string Model, int NearPosition, int FarPosition, double CachedNearSeconds, double CachedFarSeconds, double UncachedNearSeconds, double UncachedFarSeconds)
{
    public double CachedRatio => CachedFarSeconds / CachedNearSeconds;

    public double UncachedRatio => UncachedFarSeconds / UncachedNearSeconds;
}

/// <summary><c>forge prepare</c>'s throughput with gpt2 on one worker and on one per core (each worker with its own tokenizer).</summary>
public sealed record PrepareFigures(long Bytes, int Workers, double OneWorkerSeconds, double AllWorkersSeconds)
{
    public double Speedup => OneWorkerSeconds / AllWorkersSeconds;
}

/// <summary>What <c>forge bench --corpora</c> measured.</summary>
public sealed record CorpusReport(string Machine, int Threads, DateTimeOffset When, bool Quick, TokenBatchFigures Batches, LargeCorpusFigures Memory, SamplingFigures Sampling,
    PrepareFigures Prepare);

/// <summary>
/// <c>forge bench --corpora</c>: the figures of real corpora. Batch construction of the <c>tokens</c> dataset (Tiny
/// Shakespeare prepared with <c>char</c>) against a whole training step of the width-128 <c>gpt</c> it feeds; RSS while
/// training 1,000 steps (after 1,000 of warm-up) on a synthetic token file of 1 GiB (written to a temporary folder and deleted); time per token of
/// <c>forge sample</c> at positions 16 and 512 of a <c>gpt</c> with 1,024 learned positions, cached and uncached;
/// <c>forge prepare</c>'s throughput with gpt2 on one worker and on one per core, on 36 MB of scrambled Shakespeare.
/// </summary>
public sealed class CorpusFigures(string dataPath, bool quick, TextWriter log)
{
    private readonly SpecLoader _loader = new(PluginCatalog.BuiltIn());

    public CorpusReport Run()
    {
        var folder = Directory.CreateTempSubdirectory("forge-bench-corpus-").FullName;
        try
        {
            var memory = MeasureMemory(folder); // first, so no earlier model's memory is in the process
            var batches = MeasureBatches(folder);
            var sampling = MeasureSampling();
            var prepare = MeasurePrepare(folder);
            return new CorpusReport(Environment.MachineName, get_num_threads(), DateTimeOffset.UtcNow, quick, batches, memory, sampling, prepare);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private ComposedExperiment Build(JsonObject spec) => ComposedExperiment.Build(_loader.Resolve(spec, Path.GetFullPath("bench.json"), Array.Empty<string>()));

    private static JsonObject Gpt(int width, int depth, int context, int batch, JsonObject data, int steps, int? modelContext = null)
    {
        var model = new JsonObject { ["name"] = "gpt", ["width"] = width, ["depth"] = depth, ["headDim"] = Math.Min(32, width / 2) };
        if (modelContext is { } c)
            model["context"] = c;
        return new JsonObject
        {
            ["name"] = "bench-corpus", ["seed"] = 1, ["device"] = "cpu", ["model"] = model, ["data"] = data,
            ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 1e-3, ["weightDecay"] = 0.0 },
            ["parametrization"] = new JsonObject { ["name"] = "mup" }, ["checkpoint"] = "none",
            ["training"] = new JsonObject
            {
                ["steps"] = steps, ["batchSize"] = batch, ["evalInterval"] = 0, ["evalBatches"] = 1, ["logInterval"] = 1, ["gradClip"] = 0,
                ["schedule"] = new JsonObject { ["decay"] = "constant" },
            },
        };
    }

    private TokenBatchFigures MeasureBatches(string folder)
    {
        const int width = 128, context = 256, batch = 8; // the shape of forge bench's gpt steps
        var prepared = Path.Combine(folder, "shakespeare-char");
        CorpusPreparation.Run(new PrepareOptions(new[] { dataPath }, "char", prepared));
        var tokens = new JsonObject { ["name"] = "tokens", ["path"] = prepared, ["context"] = context };
        var text = new JsonObject { ["name"] = "text", ["path"] = Path.GetFullPath(dataPath), ["context"] = context };
        int steps = quick ? 4 : 24;
        using var built = Build(Gpt(width, 4, context, batch, tokens, steps));
        using var plain = Build(Gpt(width, 4, context, batch, text, 1));
        StepTiming.Forge(built); // warm-up
        double step = Median.Of(StepTiming.Forge(built));
        int count = quick ? 50 : 2000;
        double BatchSeconds(Forge.Abstractions.Data.IDatasetPlugin dataset)
        {
            using var generator = DataStreams.Training(3);
            for (int i = 0; i < count / 10; i++)
                dataset.NextTrainingBatch(batch, generator).Dispose();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
                dataset.NextTrainingBatch(batch, generator).Dispose();
            return clock.Elapsed.TotalSeconds / count;
        }
        var figures = new TokenBatchFigures(width, context, batch, BatchSeconds(built.Experiment.Dataset), BatchSeconds(plain.Experiment.Dataset), step);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tokens batch: {figures.TokensBatchSeconds * 1e6:F0} µs (text dataset {figures.TextBatchSeconds * 1e6:F0} µs) = {figures.Fraction:P2} of a width-{width} step of {step * 1e3:F1} ms"));
        return figures;
    }

    private LargeCorpusFigures MeasureMemory(string folder)
    {
        static double Rss() => Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        long tokensInFile = quick ? 1L << 22 : 1L << 29; // 1 GiB of uint16 (8 MiB in the smoke run)
        var corpus = Directory.CreateDirectory(Path.Combine(folder, "large")).FullName;
        WriteSynthetic(Path.Combine(corpus, "train.bin"), tokensInFile);
        WriteSynthetic(Path.Combine(corpus, "val.bin"), 1 << 16);
        File.WriteAllText(Path.Combine(corpus, "meta.json"), "{ \"vocabSize\": 256 }");
        var data = new JsonObject { ["name"] = "tokens", ["path"] = corpus, ["context"] = 64 };
        int steps = quick ? 20 : 1000;
        using var built = Build(Gpt(64, 2, 64, 16, data, steps));
        GC.Collect();
        double opened = Rss();
        StepTiming.Train(built); // the first pass: allocators reach their working set
        GC.Collect();
        double afterWarmup = Rss();
        StepTiming.Train(built); // the measured pass: the same run again on the same experiment
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var figures = new LargeCorpusFigures(new FileInfo(Path.Combine(corpus, "train.bin")).Length, steps, steps, opened, afterWarmup, Rss());
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"large corpus ({figures.CorpusBytes / 1048576.0:F0} MiB): RSS {figures.RssAfterOpenMb:F0} MB after opening, {figures.RssAfterWarmupMb:F0} MB after {steps} steps, {figures.RssAfterMb:F0} MB after {steps} more: {figures.GrowthMb:+0;-0} MB"));
        return figures;
    }

    private static void WriteSynthetic(string path, long count)
    {
        var random = new Random(11);
        var buffer = new ushort[1 << 20];
        using var stream = File.Create(path);
        for (long written = 0; written < count; written += buffer.Length)
        {
            int n = (int)Math.Min(buffer.Length, count - written);
            for (int i = 0; i < n; i++)
                buffer[i] = (ushort)random.Next(256);
            stream.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan(0, n)));
        }
    }

    private SamplingFigures MeasureSampling()
    {
        int near = 16, far = quick ? 64 : 512;
        var text = new JsonObject { ["name"] = "text", ["path"] = Path.GetFullPath(dataPath), ["context"] = 128 };
        using var built = Build(Gpt(128, 4, 128, 8, text, 1, modelContext: quick ? 128 : 1024));
        var info = built.Experiment.Dataset.Description.Tokenizer!;
        var sampler = new TextSampler(built.Experiment, TextTokenizer.From(info, "bench"));
        (double Near, double Far) Times(bool cache)
        {
            var seconds = new Dictionary<int, double>();
            sampler.Generate(new SamplingOptions("\n", Tokens: far + 8, Seed: 1, UseCache: cache), timed: (position, time) => seconds[position] = time.TotalSeconds);
            double Around(int p) => Median.Of(Enumerable.Range(p - 4, 9).Select(i => seconds[i]).ToList());
            return (Around(near), Around(far));
        }
        Times(cache: true); // warm-up of both paths
        Times(cache: false);
        var cached = Times(cache: true);
        var uncached = Times(cache: false);
        var figures = new SamplingFigures("gpt width 128 depth 4, 1,024 positions", near, far, cached.Near, cached.Far, uncached.Near, uncached.Far);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sampling: {cached.Near * 1e3:F2} ms per token at position {near}, {cached.Far * 1e3:F2} ms at {far} with the cache ({figures.CachedRatio:F2}x); without it {uncached.Near * 1e3:F2} and {uncached.Far * 1e3:F2} ms ({figures.UncachedRatio:F2}x)"));
        return figures;
    }

    private PrepareFigures MeasurePrepare(string folder)
    {
        // Copies of Shakespeare with a third of adjacent letter pairs swapped at random: new words keep the tokenizer's
        // cache from answering for the whole corpus, as a corpus with a large vocabulary does.
        var corpus = Path.Combine(folder, "corpus.txt");
        var text = File.ReadAllText(dataPath);
        var random = new Random(5);
        using (var writer = new StreamWriter(corpus))
            for (int copy = 0; copy < (quick ? 1 : 32); copy++)
            {
                var letters = text.ToCharArray();
                for (int i = 0; i + 1 < letters.Length; i++)
                    if (char.IsLetter(letters[i]) && char.IsLetter(letters[i + 1]) && random.Next(3) == 0)
                        (letters[i], letters[i + 1]) = (letters[i + 1], letters[i]);
                writer.Write(letters);
            }
        int all = Environment.ProcessorCount;
        double Seconds(int workers) =>
            CorpusPreparation.Run(new PrepareOptions(new[] { corpus }, "gpt2", Path.Combine(folder, $"prepared-{workers}"), Workers: workers)).Elapsed.TotalSeconds;
        Seconds(all); // warm-up: the tokenizer's caches and the page cache
        double one = Seconds(1), many = Seconds(all);
        var figures = new PrepareFigures(new FileInfo(corpus).Length, all, one, many);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prepare gpt2 ({figures.Bytes / 1e6:F1} MB): {figures.Bytes / 1e6 / one:F1} MB/s on 1 worker, {figures.Bytes / 1e6 / many:F1} MB/s on {all} ({figures.Speedup:F2}x)"));
        return figures;
    }

    /// <summary>Writes <paramref name="report"/> as <c>bench-corpora-&lt;time&gt;.json</c> and <c>.md</c> into <paramref name="folder"/>.</summary>
    public static (string Json, string Markdown) Write(CorpusReport report, string folder)
    {
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        var b = report.Batches;
        var m = report.Memory;
        var s = report.Sampling;
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {report.When:yyyy-MM-dd} on {report.Machine}, {report.Threads} threads{(report.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}.");
        md.AppendLine();
        md.AppendLine("| figure | measured | target |");
        md.AppendLine("|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| tokens batch ({b.Batch}×{b.Context}) / gpt width {b.Width} step | {F(b.TokensBatchSeconds * 1e6, "F0")} µs / {F(b.StepSeconds * 1e3, "F1")} ms = {F(b.Fraction * 100, "F3")} % (text dataset: {F(b.TextBatchSeconds * 1e6, "F0")} µs) | ≤ 1 % |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| RSS growth over {m.Steps} steps on a {F(m.CorpusBytes / 1048576.0, "F0")} MiB token file | {F(m.RssAfterWarmupMb, "F0")} → {F(m.RssAfterMb, "F0")} MB = {F(m.GrowthMb, "+0;-0")} MB (after opening: {F(m.RssAfterOpenMb, "F0")} MB) | < 64 MB |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| sampling, ms per token at positions {s.NearPosition} / {s.FarPosition}, with the cache | {F(s.CachedNearSeconds * 1e3, "F2")} / {F(s.CachedFarSeconds * 1e3, "F2")} = {F(s.CachedRatio, "F2")}× | within 20 % |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| the same without the cache | {F(s.UncachedNearSeconds * 1e3, "F2")} / {F(s.UncachedFarSeconds * 1e3, "F2")} = {F(s.UncachedRatio, "F2")}× | grows |");
        var p = report.Prepare;
        md.AppendLine(CultureInfo.InvariantCulture, $"| forge prepare --tokenizer gpt2, {F(p.Bytes / 1e6, "F1")} MB, MB/s on 1 / {p.Workers} workers | {F(p.Bytes / 1e6 / p.OneWorkerSeconds, "F1")} / {F(p.Bytes / 1e6 / p.AllWorkersSeconds, "F1")} = {F(p.Speedup, "F2")}× | uses every core |");
        return BenchFiles.Write(report, folder, "bench-corpora-", report.When, report.Quick, md.ToString());
    }
}
