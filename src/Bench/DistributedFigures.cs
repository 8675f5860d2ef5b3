using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Core.Specs;
using Forge.Sweeps;

namespace Forge.Bench;

/// <summary>Two ranks against one at one width, each rank one thread, the same global batch.</summary>
/// <param name="Width">The gpt's width.</param>
/// <param name="Parameters">Its parameters.</param>
/// <param name="OneRankTokensPerSecond">One process, one thread: median tokens/s over the logged intervals after the first; the faster of a run before and one after the others.</param>
/// <param name="TwoRankTokensPerSecond">Two ranks, one thread each, the same global batch.</param>
/// <param name="Efficiency">Two ranks' throughput over twice one rank's (1 = linear).</param>
/// <param name="StepMilliseconds">Two ranks: milliseconds per update.</param>
/// <param name="AllReduceMilliseconds">Two ranks: milliseconds per update in the gradient all-reduce (rank 0's).</param>
/// <param name="BytesPerStep">Bytes each rank all-reduces per update (float32 gradients).</param>
/// <param name="OneRankPeakRssMegabytes">One process's peak resident memory.</param>
/// <param name="TwoRankPeakRssMegabytes">The larger of the two ranks' peak resident memory.</param>
/// <param name="PairTokensPerSecond">Two independent processes (no MPI), one thread and half the batch each, at the same time: their summed tokens/s.</param>
public sealed record RankScaling(int Width, long Parameters, double OneRankTokensPerSecond, double TwoRankTokensPerSecond, double Efficiency,
    double StepMilliseconds, double AllReduceMilliseconds, long BytesPerStep, double OneRankPeakRssMegabytes, double TwoRankPeakRssMegabytes,
    double PairTokensPerSecond)
{
    /// <summary>The pair's throughput over twice one rank's: what two processes reach on this machine without communicating, the ceiling of <see cref="Efficiency"/>.</summary>
    public double Ceiling => PairTokensPerSecond / (2 * OneRankTokensPerSecond);
}

/// <summary>What <c>forge bench --distributed</c> measured.</summary>
public sealed record DistributedReport(string Machine, int Cores, DateTimeOffset When, bool Quick, string Model, IReadOnlyList<RankScaling> Widths);

/// <summary>
/// <c>forge bench --distributed</c>: the scaling efficiency of data parallelism on Open MPI — two ranks × one thread
/// against one rank × one thread, the same gpt and global batch (depth 4, head size 32, 8 × 256 tokens, sp, AdamW),
/// each run a separate <c>forge run</c> (two under <c>mpirun -np 2</c>) — with the all-reduce's time and share of the
/// step, the bytes it sends and each process's peak RSS; and, as the ceiling, two independent processes with half the
/// batch each at once (the same work per process as a rank's, no communication). One rank runs first and last (the
/// faster is the baseline); the runs follow each other on the same machine.
/// </summary>
public sealed class DistributedFigures(string dataPath, bool quick, TextWriter log)
{
    public DistributedReport Run()
    {
        var mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists)
            ?? throw new RunSetupException("forge bench --distributed runs mpirun, which is not installed here; install Open MPI (Debian: apt-get install openmpi-bin).");
        var widths = quick ? new[] { 64 } : new[] { 256, 512 };
        var figures = new List<RankScaling>();
        string description = "";
        foreach (int width in widths)
        {
            var model = new BenchModel("gpt", width, quick ? 32 : 256, quick ? 2 : 4, 8);
            description = $"gpt depth {model.Depth}, head size {model.HeadDim}, batch {model.Batch} × context {model.Context}, sp, AdamW, fp32";
            var folder = Path.Combine(Path.GetTempPath(), $"forge-bench-distributed-{Environment.ProcessId}-{width}");
            Directory.CreateDirectory(folder);
            try
            {
                var spec = model.Spec(dataPath, "fp32", quick ? 12 : width >= 512 ? 40 : 60, logInterval: quick ? 4 : 10);
                spec["threads"] = 1;
                var path = Path.Combine(folder, "spec.json");
                File.WriteAllText(path, spec.ToJsonString());
                Measured Alone(string specPath, string name) =>
                    Train(ForgeExecutable.Start(new[] { "run", specPath, "--runs", Path.Combine(folder, name), "--plain" }), Path.Combine(folder, name));
                var one = Alone(path, "one");
                var twoStart = new ProcessStartInfo(mpirun) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "--oversubscribe", "--bind-to", "none", "-np", "2", ForgeExecutable.Dotnet, ForgeExecutable.ForgeAssembly, "run", path, "--runs", Path.Combine(folder, "two"), "--plain" })
                    twoStart.ArgumentList.Add(a);
                twoStart.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
                twoStart.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
                var two = Train(twoStart, Path.Combine(folder, "two"));
                var half = spec.DeepClone().AsObject();
                half["training"]!["batchSize"] = model.Batch / 2;
                var halfPath = Path.Combine(folder, "half.json");
                File.WriteAllText(halfPath, half.ToJsonString());
                var pair = new[] { "a", "b" }
                    .Select(n => Task.Run(() => Alone(halfPath, n)))
                    .ToArray();
                double pairTokens = pair.Sum(t => t.GetAwaiter().GetResult().TokensPerSecond);
                // One rank again: this machine's speed drifts by up to 20 % between runs minutes apart, and a slow
                // baseline would flatter the efficiency; the faster of the two is the baseline.
                var oneAgain = Alone(path, "one-again");
                double firstOne = one.TokensPerSecond;
                if (oneAgain.TokensPerSecond > one.TokensPerSecond)
                    one = oneAgain with { PeakRssMegabytes = Math.Max(one.PeakRssMegabytes, oneAgain.PeakRssMegabytes) };
                var figure = new RankScaling(width, one.Parameters, one.TokensPerSecond, two.TokensPerSecond, two.TokensPerSecond / (2 * one.TokensPerSecond),
                    two.StepMilliseconds, two.AllReduceMilliseconds, 4 * one.Parameters, one.PeakRssMegabytes, two.PeakRssMegabytes, pairTokens);
                figures.Add(figure);
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"gpt width {width}: 1 rank × 1 thread {one.TokensPerSecond:F0} tok/s (the faster of {firstOne:F0} before and {oneAgain.TokensPerSecond:F0} after the others), 2 ranks × 1 thread {two.TokensPerSecond:F0} tok/s: scaling efficiency {figure.Efficiency:P1} (two independent processes with half the batch each: {pairTokens:F0} tok/s, a ceiling of {figure.Ceiling:P1}); all-reduce {two.AllReduceMilliseconds:F1} of {two.StepMilliseconds:F1} ms per step ({two.AllReduceMilliseconds / two.StepMilliseconds:P1}), {figure.BytesPerStep / 1e6:F1} MB per rank per step; peak RSS {one.PeakRssMegabytes:F0} MB (1 rank), {two.PeakRssMegabytes:F0} MB per rank (2 ranks)"));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        return new DistributedReport(Environment.MachineName, Environment.ProcessorCount, DateTimeOffset.UtcNow, quick, description, figures);
    }

    private sealed record Measured(long Parameters, double TokensPerSecond, double StepMilliseconds, double AllReduceMilliseconds, double PeakRssMegabytes);

    /// <summary>Runs a training process to its end, sampling the peak RSS of it and its children, and reads its metrics.</summary>
    private static Measured Train(ProcessStartInfo start, string runs)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        double peak = 0;
        while (!process.WaitForExit(200))
            peak = Math.Max(peak, TreeRss(process.Id).DefaultIfEmpty(0).Max());
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}):\n{output}");
        var folder = Directory.GetDirectories(Path.Combine(runs, "bench")).Single();
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        var records = File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(o => o["tokensPerSecond"] is not null).Skip(1).ToList(); // the first interval holds the start-up
        double tokens = Core.Training.Median.Of(records.Select(o => o["tokensPerSecond"]!.GetValue<double>()).ToList());
        double examples = Core.Training.Median.Of(records.Select(o => o["examplesPerSecond"]!.GetValue<double>()).ToList());
        double allReduce = records.All(o => o["allReduceMsPerStep"] is not null)
            ? Core.Training.Median.Of(records.Select(o => o["allReduceMsPerStep"]!.GetValue<double>()).ToList()) : 0;
        int batch = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "spec.json")))!["training"]!["batchSize"]!.GetValue<int>();
        return new Measured(summary["parameters"]!.GetValue<long>(), tokens, 1000 * batch / examples, allReduce, peak);
    }

    /// <summary>Resident megabytes of a process and its descendants (mpirun's ranks), from /proc.</summary>
    private static IEnumerable<double> TreeRss(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                int parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                (children.TryGetValue(parent, out var list) ? list : children[parent] = new List<int>()).Add(pid);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        var queue = new Queue<int>(new[] { root });
        while (queue.Count > 0)
        {
            int pid = queue.Dequeue();
            foreach (var child in children.GetValueOrDefault(pid) ?? new List<int>())
                queue.Enqueue(child);
            double rss = 0;
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is not null)
                    rss = double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            if (pid != root || children.ContainsKey(root) is false)
                yield return rss;
        }
    }

    /// <summary>Writes <paramref name="report"/> as <c>bench-distributed-&lt;time&gt;.json</c> and <c>.md</c> into <paramref name="folder"/>.</summary>
    public static (string Json, string Markdown) Write(DistributedReport report, string folder)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {report.When:yyyy-MM-dd} on {report.Machine} ({report.Cores} cores), {report.Model}, one thread per rank{(report.Quick ? " (smoke run: tiny sizes, not a measurement)" : "")}.");
        md.AppendLine();
        md.AppendLine("| width | parameters | 1 rank tok/s | 2 ranks tok/s | scaling efficiency | 2 independent processes, half batch each: tok/s (ceiling) | ms/step (2 ranks) | all-reduce ms/step (share) | MB per rank per step | peak RSS MB, 1 rank / per rank of 2 |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var w in report.Widths)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {w.Width} | {w.Parameters:N0} | {w.OneRankTokensPerSecond:F0} | {w.TwoRankTokensPerSecond:F0} | {w.Efficiency * 100:F1} % | {w.PairTokensPerSecond:F0} ({w.Ceiling * 100:F1} %) | {w.StepMilliseconds:F1} | {w.AllReduceMilliseconds:F1} ({w.AllReduceMilliseconds / w.StepMilliseconds * 100:F1} %) | {w.BytesPerStep / 1e6:F1} | {w.OneRankPeakRssMegabytes:F0} / {w.TwoRankPeakRssMegabytes:F0} |"));
        return BenchFiles.Write(report, folder, "bench-distributed-", report.When, report.Quick, md.ToString());
    }
}
