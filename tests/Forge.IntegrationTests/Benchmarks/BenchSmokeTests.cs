using System.Text.Json.Nodes;
using Forge.Tests.Support;

namespace Forge.IntegrationTests.Benchmarks;

/// <summary>The CI-sized run of <c>forge bench --smoke</c>: the harness runs end to end and its figures are sane.</summary>
public class BenchSmokeTests
{
    [RequiresMpiFact]
    public async Task The_distributed_smoke_bench_compares_two_ranks_with_one_and_writes_json_and_markdown()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("bench", "--distributed", "--smoke", "--output", dir.Path, "--data", TestSpecs.ShakespearePath);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var json = Directory.GetFiles(dir.Path, "bench-distributed-*-smoke.json").Single();
        Assert.Contains("scaling efficiency", File.ReadAllText(Path.ChangeExtension(json, ".md")));
        var width = JsonNode.Parse(File.ReadAllText(json))!["widths"]!.AsArray().Single()!;
        Assert.InRange(width["efficiency"]!.GetValue<double>(), 0.05, 1.5);
        Assert.Equal(4 * width["parameters"]!.GetValue<long>(), width["bytesPerStep"]!.GetValue<long>()); // float32 gradients
        Assert.InRange(width["allReduceMilliseconds"]!.GetValue<double>(), 1e-6, width["stepMilliseconds"]!.GetValue<double>());
        Assert.InRange(width["twoRankPeakRssMegabytes"]!.GetValue<double>(), 50, 4000);
        Assert.InRange(width["oneRankPeakRssMegabytes"]!.GetValue<double>(), 50, 4000);
        Assert.InRange(width["ceiling"]!.GetValue<double>(), 0.05, 1.5); // two independent half-batch processes against one
        Assert.Equal(width["pairTokensPerSecond"]!.GetValue<double>() / (2 * width["oneRankTokensPerSecond"]!.GetValue<double>()), width["ceiling"]!.GetValue<double>(), 9);
        Assert.Contains("2 independent processes", File.ReadAllText(Path.ChangeExtension(json, ".md")));
    }

    [Fact]
    public async Task The_sweep_smoke_bench_runs_the_sweep_both_ways_and_writes_json_and_markdown()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("bench", "--sweeps", "--smoke", "--output", dir.Path, "--data", TestSpecs.ShakespearePath);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var json = Directory.GetFiles(dir.Path, "bench-sweeps-*-smoke.json").Single();
        Assert.Contains("| reused |", File.ReadAllText(Path.ChangeExtension(json, ".md")));
        var sweeps = JsonNode.Parse(File.ReadAllText(json))!["sweeps"]!.AsArray();
        Assert.Equal(new[] { false, true }, sweeps.Select(s => s!["reusedWorkers"]!.GetValue<bool>()));
        Assert.All(sweeps, s => Assert.InRange(s!["efficiency"]!.GetValue<double>(), 1e-4, 1.0));
    }

    [Fact]
    public async Task The_image_smoke_bench_times_plain_and_augmented_steps_and_batches_and_writes_json_and_markdown()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("bench", "--images", "--images-path", TinyImages.Folder(dir), "--smoke", "--output", dir.Path);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        var json = Directory.GetFiles(dir.Path, "bench-images-*-smoke.json").Single();
        Assert.Contains("training images/s", File.ReadAllText(Path.ChangeExtension(json, ".md")));
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        Assert.Equal(16 / (report["stepMilliseconds"]!.GetValue<double>() / 1e3), report["imagesPerSecond"]!.GetValue<double>(), 6);
        var levels = report["levels"]!.AsArray();
        Assert.Equal(new[] { "light", "medium", "strong" }, levels.Select(l => l!["level"]!.GetValue<string>()));
        Assert.All(levels, l =>
        {
            Assert.InRange(l!["batchMilliseconds"]!.GetValue<double>(), 1e-4, 1e4);
            Assert.InRange(l["shareOfStep"]!.GetValue<double>(), -1, 10);
            Assert.InRange(l["stepRatio"]!["median"]!.GetValue<double>(), 0.1, 10);
        });
    }

    [Fact]
    public async Task The_smoke_bench_measures_every_figure_and_writes_json_and_markdown()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunAsync("bench", "--smoke", "--output", dir.Path, "--data", TestSpecs.ShakespearePath);

        Assert.True(result.ExitCode == 0, result.Error);
        var json = Directory.GetFiles(dir.Path, "bench-*-smoke.json").Single();
        var markdown = File.ReadAllText(Path.ChangeExtension(json, ".md"));
        var report = JsonNode.Parse(File.ReadAllText(json))!;
        var steps = report["steps"]!.AsArray();
        var compared = steps.Where(s => s!["tax"] is not null).ToList();
        Assert.Equal(4, compared.Count); // both smoke widths of gpt and of mlp against the bare loop
        Assert.Equal(new[] { "gpt", "gpt", "mlp", "mlp" }, compared.Select(s => s!["model"]!.GetValue<string>()));
        Assert.All(steps, s =>
        {
            Assert.InRange(s!["forgeSecondsPerStep"]!.GetValue<double>(), 1e-5, 10);
            Assert.InRange(s["rooflineRatio"]!.GetValue<double>(), 1e-5, 1.5); // cannot beat the machine's matmul by much
        });
        Assert.All(compared, s =>
        {
            var tax = s!["tax"]!;
            Assert.InRange(tax["median"]!.GetValue<double>(), -0.9, 3); // same math: not wildly apart even at toy sizes
            Assert.InRange(tax["median"]!.GetValue<double>(), tax["low"]!.GetValue<double>(), tax["high"]!.GetValue<double>());
            Assert.Equal(2, tax["count"]!.GetValue<int>());
            Assert.Equal(0.5, tax["coverage"]!.GetValue<double>(), 9); // two pairs: the range holds the median with probability ½
            Assert.InRange(s["stepsPerBlock"]!.GetValue<int>(), 3, 4);
            Assert.InRange(s["matmulParameters"]!.GetValue<long>(), 1, s["parameters"]!.GetValue<long>() - 1); // the embedding tables are left out
        });
        Assert.Equal(new[] { "gpt width", "mlp width", "gpt context" }, report["scaling"]!.AsArray().Select(s => s!["variable"]!.GetValue<string>()));
        var memory = report["memory"]!;
        Assert.Equal(memory["liveTensorsAfterWarmup"]!.GetValue<long>(), memory["liveTensorsAfter"]!.GetValue<long>()); // no tensor leaks across steps
        Assert.InRange(report["data"]!["fraction"]!.GetValue<double>(), 0, 0.5);
        if (Environment.ProcessorCount > 1)
        {
            var threads = report["threadScaling"]!;
            Assert.InRange(threads["speedup"]!.GetValue<double>(), 0.05, Environment.ProcessorCount * 1.5);
        }
        var levers = report["levers"]!.AsArray();
        Assert.Equal(2, levers.Count);
        Assert.All(levers, l => Assert.InRange(l!["beforeSeconds"]!.GetValue<double>(), 1e-7, 10));
        var sweeps = report["sweeps"]!.AsArray();
        Assert.Equal(new[] { false, true }, sweeps.Select(s => s!["reusedWorkers"]!.GetValue<bool>()));
        Assert.All(sweeps, sweep =>
        {
            Assert.Equal(4, sweep!["trials"]!.GetValue<int>());
            Assert.InRange(sweep["efficiency"]!.GetValue<double>(), 1e-4, 1.0); // training time never exceeds the workers' wall time
            Assert.InRange(sweep["startupSeconds"]!.GetValue<double>(), 0.001, 60);
        });
        // Reused workers skip the process start and libtorch's load for every trial after a worker's first.
        Assert.True(sweeps[1]!["startupSeconds"]!.GetValue<double>() < sweeps[0]!["startupSeconds"]!.GetValue<double>(), sweeps.ToJsonString());
        Assert.Contains("| model | width | context | precision |", markdown);
        Assert.Contains("smoke run", markdown);
    }
}
