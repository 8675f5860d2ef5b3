using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Hosting;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Bench;

/// <summary>One <c>gpt</c> option's training step against the base <c>gpt</c>'s, in alternating blocks.</summary>
public sealed record BlockOptionFigures(string Option, long Parameters, long BaseParameters, double SecondsPerStep, double BaseSecondsPerStep, MedianInterval Ratio);

/// <summary>What <c>forge bench --blocks</c> measured.</summary>
public sealed record BlockReport(string Machine, int Threads, DateTimeOffset When, bool Quick, string Model, IReadOnlyList<BlockOptionFigures> Options);

/// <summary>
/// <c>forge bench --blocks</c>: the step time of each of <c>gpt</c>'s block and position options against the base
/// <c>gpt</c> (the harness's model: width 256, depth 4, head size 32, batch 8 × context 256, sp, AdamW), both Forge's
/// whole training loop, in alternating blocks of steps; the ratio is the median over pairs of the two blocks' median
/// steps, with a distribution-free interval.
/// </summary>
public sealed class BlockFigures(string dataPath, bool quick, TextWriter log)
{
    private static readonly (string Name, string[] Options)[] Variants =
    {
        ("norm rms", new[] { "norm=rms" }),
        ("swiglu 8/3 (multiple of 8: 688, +0.8 % MLP parameters)", new[] { "mlp=swiglu", "mlpRatio=2.6667", "mlpMultipleOf=8" }),
        ("kvHeads 2 of 8", new[] { "kvHeads=2" }),
        ("positions rope", new[] { "positions=rope" }),
        ("positions alibi (fused kernel with a float mask)", new[] { "positions=alibi" }),
        ("positions sinusoidal", new[] { "positions=sinusoidal" }),
        ("qkNorm", new[] { "qkNorm=true" }),
    };

    private readonly SpecLoader _loader = new(PluginCatalog.BuiltIn());

    public BlockReport Run()
    {
        var model = quick ? new BenchModel("gpt", 64, 32, 2, 2) : new BenchModel("gpt", 256, 256, 4, 8);
        int steps = quick ? 4 : 12, pairs = quick ? 1 : 6;
        var figures = new List<BlockOptionFigures>();
        foreach (var (name, options) in Variants)
        {
            using var baseline = Build(model.Spec(dataPath, "fp32", steps, logInterval: 1));
            var spec = model.Spec(dataPath, "fp32", steps, logInterval: 1);
            foreach (var option in options)
            {
                var (field, value) = (option[..option.IndexOf('=')], option[(option.IndexOf('=') + 1)..]);
                spec["model"]![field] = JsonNode.Parse(value.All(char.IsLetter) && value is not ("true" or "false") ? $"\"{value}\"" : value);
            }
            using var variant = Build(spec);
            var blocks = AlternatingBlocks.Run(() => StepTiming.Forge(variant), () => StepTiming.Forge(baseline), _ => pairs);
            var ratio = MedianInterval.Of(blocks.Pairs.Select(p => p.First / p.Second).ToList());
            var figure = new BlockOptionFigures(name, variant.Experiment.ParameterCount, baseline.Experiment.ParameterCount,
                Median.Of(blocks.First), Median.Of(blocks.Second), ratio);
            figures.Add(figure);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {figure.SecondsPerStep * 1e3:F1} ms/step against {figure.BaseSecondsPerStep * 1e3:F1} ms ({ratio.Median:F3}x, {ratio.Coverage:P0} interval {ratio.Low:F3} to {ratio.High:F3}); {figure.Parameters:N0} parameters against {figure.BaseParameters:N0}"));
        }
        return new BlockReport(Environment.MachineName, TorchSharp.torch.get_num_threads(), DateTimeOffset.UtcNow, quick, model.ToString(), figures);
    }

    private ComposedExperiment Build(JsonObject spec) => ComposedExperiment.Build(_loader.Resolve(spec, Path.GetFullPath("bench.json"), Array.Empty<string>()));

    /// <summary>Writes <paramref name="report"/> as <c>bench-blocks-&lt;time&gt;.json</c> and <c>.md</c> into <paramref name="folder"/>.</summary>
    public static (string Json, string Markdown) Write(BlockReport report, string folder)
    {
        string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {report.When:yyyy-MM-dd} on {report.Machine}, {report.Threads} threads, {report.Model}, fp32{(report.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}.");
        md.AppendLine();
        md.AppendLine("| option | parameters (base) | ms/step (base) | step time / base (interval, coverage, pairs) |");
        md.AppendLine("|---|---|---|---|");
        foreach (var o in report.Options)
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {o.Option} | {o.Parameters:N0} ({o.BaseParameters:N0}) | {F(o.SecondsPerStep * 1e3, "F1")} ({F(o.BaseSecondsPerStep * 1e3, "F1")}) | {F(o.Ratio.Median, "F3")} ({F(o.Ratio.Low, "F3")} to {F(o.Ratio.High, "F3")}, {F(o.Ratio.Coverage * 100, "F0")} %, {o.Ratio.Count}) |");
        return BenchFiles.Write(report, folder, "bench-blocks-", report.When, report.Quick, md.ToString());
    }
}
