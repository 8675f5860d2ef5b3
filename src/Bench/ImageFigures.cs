using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Hosting;
using Forge.Core.Plugins;
using Forge.Core.Training;
using static TorchSharp.torch;

namespace Forge.Bench;

/// <summary>One augmentation preset's cost: its batch against a plain one, and its whole training step against the plain step.</summary>
/// <param name="Level">The preset (light, medium, strong).</param>
/// <param name="BatchMilliseconds">Median time to draw and augment one training batch.</param>
/// <param name="ShareOfStep">(augmented batch − plain batch) / the plain training step: what the augmentation adds to a step.</param>
/// <param name="StepRatio">The whole training step with this preset over the plain step, median over alternating pairs with its interval.</param>
public sealed record AugmentationFigures(string Level, double BatchMilliseconds, double ShareOfStep, MedianInterval StepRatio);

/// <summary>What <c>forge bench --images</c> measured.</summary>
/// <param name="ImagesPerSecond">Training images per second of the plain step (batch / median step time).</param>
/// <param name="StepMilliseconds">Median time of the plain training step.</param>
/// <param name="PlainBatchMilliseconds">Median time to draw one plain training batch.</param>
public sealed record ImageReport(string Machine, int Threads, DateTimeOffset When, bool Quick, string Model, int BatchSize, long Parameters,
    double ImagesPerSecond, double StepMilliseconds, double PlainBatchMilliseconds, IReadOnlyList<AugmentationFigures> Levels);

/// <summary>
/// <c>forge bench --images</c>: the <c>vit</c> of <c>experiments/vit-fashion-mnist.json</c> at width 128 (depth 4, head
/// size 16, 4×4 patches, batch 128, sp, fp32, AdamW) on Fashion-MNIST: training images per second of Forge's whole
/// loop, and each augmentation preset's cost, measured two ways in alternating blocks: the time to draw and augment a
/// batch against a plain batch (as a share of the plain step), and the whole step with the preset against the plain
/// step.
/// </summary>
public sealed class ImageFigures(string imagesPath, bool quick, TextWriter log)
{
    private static readonly string[] Levels = { "light", "medium", "strong" };

    private readonly SpecLoader _loader = new(PluginCatalog.BuiltIn());

    public ImageReport Run()
    {
        int width = quick ? 32 : 128, batch = quick ? 16 : 128, steps = quick ? 4 : 12, pairs = quick ? 3 : 6, draws = quick ? 4 : 40;
        using var plain = Build(Spec(width, batch, steps, "none"));
        var figures = new List<AugmentationFigures>();
        var plainSteps = new List<double>();
        var plainBatches = new List<double>();
        foreach (var level in Levels)
        {
            using var augmented = Build(Spec(width, batch, steps, level));
            var whole = AlternatingBlocks.Run(() => StepTiming.Forge(augmented), () => StepTiming.Forge(plain), _ => pairs);
            var batches = AlternatingBlocks.Run(() => BatchTimes(augmented, batch, draws), () => BatchTimes(plain, batch, draws), _ => pairs);
            plainSteps.AddRange(whole.Second);
            plainBatches.AddRange(batches.Second);
            double share = (Median.Of(batches.First) - Median.Of(batches.Second)) / Median.Of(whole.Second);
            var figure = new AugmentationFigures(level, Median.Of(batches.First) * 1e3, share, MedianInterval.Of(whole.Pairs.Select(p => p.First / p.Second).ToList()));
            figures.Add(figure);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{level}: a batch in {figure.BatchMilliseconds:F2} ms against {Median.Of(batches.Second) * 1e3:F2} ms plain, {share:P1} of the {Median.Of(whole.Second) * 1e3:F0} ms step; whole step {figure.StepRatio.Median:F3}x ({figure.StepRatio.Low:F3} to {figure.StepRatio.High:F3})"));
        }
        double step = Median.Of(plainSteps);
        return new ImageReport(Environment.MachineName, get_num_threads(), DateTimeOffset.UtcNow, quick, $"vit width {width} depth 4 head size 16 patches 4×4",
            batch, plain.Experiment.ParameterCount, batch / step, step * 1e3, Median.Of(plainBatches) * 1e3, figures);
    }

    /// <summary>Seconds of each of <paramref name="count"/> training batches drawn (and augmented) by the experiment's dataset.</summary>
    private static IReadOnlyList<double> BatchTimes(ComposedExperiment built, int batch, int count)
    {
        using var generator = new Generator(7);
        var seconds = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var drawn = built.Experiment.Dataset.NextTrainingBatch(batch, generator))
                seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return seconds;
    }

    private JsonObject Spec(int width, int batch, int steps, string augmentation) => new()
    {
        ["name"] = "bench-images",
        ["seed"] = 1,
        ["device"] = "cpu",
        ["precision"] = "fp32",
        ["model"] = new JsonObject { ["name"] = "vit", ["width"] = width, ["depth"] = 4, ["headDim"] = 16, ["patchSize"] = 4 },
        ["data"] = new JsonObject { ["name"] = "images", ["path"] = Path.GetFullPath(imagesPath), ["classes"] = 10, ["augmentation"] = augmentation },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 1e-3, ["weightDecay"] = 0.0 },
        ["parametrization"] = new JsonObject { ["name"] = "sp" },
        ["checkpoint"] = "none",
        ["training"] = new JsonObject
        {
            ["steps"] = steps, ["batchSize"] = batch, ["evalInterval"] = 0, ["evalBatches"] = 1, ["logInterval"] = 1, ["gradClip"] = 0,
            ["schedule"] = new JsonObject { ["decay"] = "constant" },
        },
    };

    private ComposedExperiment Build(JsonObject spec) => ComposedExperiment.Build(_loader.Resolve(spec, Path.GetFullPath("bench.json"), Array.Empty<string>()));

    /// <summary>Writes <paramref name="report"/> as <c>bench-images-&lt;time&gt;.json</c> and <c>.md</c> into <paramref name="folder"/>.</summary>
    public static (string Json, string Markdown) Write(ImageReport report, string folder)
    {
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {report.When:yyyy-MM-dd} on {report.Machine}, {report.Threads} threads, {report.Model} ({report.Parameters:N0} parameters), batch {report.BatchSize}, sp, fp32{(report.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Plain step {F(report.StepMilliseconds, "F1")} ms: **{F(report.ImagesPerSecond, "F0")} training images/s**; a plain batch takes {F(report.PlainBatchMilliseconds, "F2")} ms to draw.");
        md.AppendLine();
        md.AppendLine("| augmentation | batch (ms) | added to a step | whole step / plain (interval, coverage, pairs) |");
        md.AppendLine("|---|---|---|---|");
        foreach (var l in report.Levels)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {l.Level} | {F(l.BatchMilliseconds, "F2")} | {F(l.ShareOfStep * 100, "F1")} % | {F(l.StepRatio.Median, "F3")} ({F(l.StepRatio.Low, "F3")} to {F(l.StepRatio.High, "F3")}, {F(l.StepRatio.Coverage * 100, "F0")} %, {l.StepRatio.Count}) |");
        return BenchFiles.Write(report, folder, "bench-images-", report.When, report.Quick, md.ToString());
    }
}
