using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Sweeps;

namespace Forge.Bench;

/// <summary>How much of a sweep's wall time trains: a real sweep of short trials in worker processes, as <c>forge sweep</c> runs it.</summary>
/// <param name="ReusedWorkers">Whether worker processes ran several trials each (the default) or one each (<c>--fresh-processes</c>).</param>
/// <param name="Trials">Trials run.</param>
/// <param name="Parallel">Worker processes at a time.</param>
/// <param name="WallSeconds">The sweep's wall time.</param>
/// <param name="TrainingSeconds">Sum over trials of the run's own time (summary.json: from the built experiment to the end).</param>
/// <param name="StartupSeconds">Mean per trial of its wall time in the runner minus the run's own time: process start (fresh processes only), TorchSharp and plugin load, spec and data, model build.</param>
public sealed record SweepFigures(bool ReusedWorkers, int Trials, int Parallel, double WallSeconds, double TrainingSeconds, double StartupSeconds)
{
    /// <summary>Training time over the worker slots' wall time.</summary>
    public double Efficiency => TrainingSeconds / (WallSeconds * Parallel);

    public static async Task<SweepFigures> MeasureAsync(string dataPath, int trials, int steps, int parallel, bool freshProcesses, TextWriter log)
    {
        var root = Path.Combine(Path.GetTempPath(), "forge-bench-sweep-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            var values = new JsonArray(Enumerable.Range(0, trials).Select(i => (JsonNode)JsonValue.Create(1e-3 * (1 + i))).ToArray());
            var spec = new JsonObject
            {
                ["name"] = "bench-sweep", ["seed"] = 1, ["device"] = "cpu", ["checkpoint"] = "none",
                ["model"] = new JsonObject { ["name"] = "gpt", ["width"] = 64, ["depth"] = 2, ["headDim"] = 16 },
                ["data"] = new JsonObject { ["name"] = "text", ["path"] = Path.GetFullPath(dataPath), ["context"] = 64 },
                ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 1e-3 },
                ["training"] = new JsonObject { ["steps"] = steps, ["batchSize"] = 8, ["evalInterval"] = 0, ["evalBatches"] = 2, ["logInterval"] = 10, ["schedule"] = new JsonObject { ["decay"] = "constant" } },
                ["sweep"] = new JsonObject { ["parameters"] = new JsonObject { ["optimizer.lr"] = new JsonObject { ["values"] = values } } },
            };
            var specPath = Path.Combine(root, "sweep.json");
            await File.WriteAllTextAsync(specPath, spec.ToJsonString());
            var clock = Stopwatch.StartNew();
            var sweep = await Sweep.CreateAsync(new SpecLoader(PluginCatalog.BuiltIn()), specPath, Array.Empty<string>(), Path.Combine(root, "runs"), launcher: null, CancellationToken.None);
            await sweep.RunHereAsync(new SweepRunner(TextWriter.Null, TextWriter.Null, reuseWorkers: !freshProcesses), parallel, failFast: true, CancellationToken.None);
            double wall = clock.Elapsed.TotalSeconds;
            if (sweep.Remaining > 0)
                throw new InvalidOperationException($"the benchmark sweep failed ({sweep.Remaining} trials not done); see {root}.");
            var sweepFolder = Directory.GetDirectories(Path.Combine(root, "runs", "bench-sweep"), "sweep-*").Single();
            var state = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sweepFolder, "sweep.json")))!;
            double training = 0, startup = 0;
            foreach (var trial in state["trials"]!.AsArray())
            {
                var summary = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sweepFolder, "trials", trial!["id"]!.GetValue<string>(), "summary.json")))!;
                double run = summary["wallSeconds"]!.GetValue<double>();
                training += run;
                startup += trial["wallSeconds"]!.GetValue<double>() - run;
            }
            var figures = new SweepFigures(!freshProcesses, trials, parallel, wall, training, startup / trials);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep of {trials} trials x {steps} steps, {parallel} at a time, {(freshProcesses ? "a fresh process per trial" : "reused worker processes")}: {wall:F1} s wall, {figures.Efficiency:P0} of the worker time trains, {figures.StartupSeconds:F2} s start-up per trial"));
            return figures;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // a temp folder left behind
            }
        }
    }
}
