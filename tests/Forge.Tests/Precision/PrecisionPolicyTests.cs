using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;
using Forge.Plugins.Precision;
using Forge.Tests.Support;
using TorchSharp;

namespace Forge.Tests.Precision;

public class PrecisionPolicyTests
{
    private static readonly ParameterDescriptor Layer =
        new("layer.weight", ParameterRole.Hidden, new long[] { 4, 16 }, Dimension.Fixed(4), Dimension.Fixed(16));

    private static (torch.Tensor X, torch.Tensor W) Inputs()
    {
        using var g = new torch.Generator(5);
        var x = (torch.randn(8, 16, generator: g) * 3).requires_grad_(true);
        var w = (torch.randn(4, 16, generator: g) * 0.1).requires_grad_(true);
        return (x, w);
    }

    [Fact]
    public void Fp8_multiplies_e4m3_rounded_inputs_and_sends_back_e5m2_rounded_gradients()
    {
        var (x, w) = Inputs();
        using var upstream = torch.randn(8, 4, generator: new torch.Generator(6)) * 1e-3;

        var y = new Fp8Precision(new Fp8Options()).Linear(x, w, Layer);
        y.backward(new[] { upstream });

        using var x8 = FloatFormat.E4M3.Round(x.detach());
        using var w8 = FloatFormat.E4M3.Round(w.detach());
        using var g5 = FloatFormat.E5M2.Round(upstream);
        Assert.True(y.detach().equal(x8.matmul(w8.t())).all().item<bool>(), "forward = E4M3(x) · E4M3(W)ᵀ in float32");
        Assert.True(x.grad!.allclose(g5.matmul(w8), rtol: 1e-6, atol: 1e-9), "dx = E5M2(dy) · E4M3(W) (straight-through)");
        Assert.True(w.grad!.allclose(g5.t().matmul(x8), rtol: 1e-6, atol: 1e-9), "dW = E5M2(dy)ᵀ · E4M3(x)");
        Assert.False(g5.equal(upstream).all().item<bool>(), "the upstream gradient must actually have been rounded");
        Assert.Equal(torch.ScalarType.Float32, w.grad!.dtype);
    }

    [Fact]
    public void Bf16_is_close_to_fp32_and_keeps_float32_gradients()
    {
        var (x, w) = Inputs();

        var y = new Bf16Precision().Linear(x, w, Layer);
        y.sum().backward();

        using var exact = torch.nn.functional.linear(x.detach(), w.detach());
        Assert.Equal(torch.ScalarType.Float32, y.dtype);
        Assert.True(y.detach().allclose(exact, rtol: 2e-2, atol: 2e-2));
        Assert.False(y.detach().equal(exact).all().item<bool>(), "the product must have gone through bfloat16");
        Assert.Equal(torch.ScalarType.Float32, w.grad!.dtype);
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("fp8")]
    public async Task A_small_gpt_trains_under_the_policy_close_to_fp32(string precision)
    {
        async Task<(double Before, double After)> Train(string policy)
        {
            using var dir = new TempDirectory();
            var result = await CliRunner.RunSpecAsync(dir, TestSpecs.Gpt(32, steps: 40).With($"precision={policy}", "training.evalInterval=40", "training.evalBatches=4"));
            Assert.True(result.ExitCode == 0, result.Error);
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(CliRunner.RunFolder(dir), "summary.json")))!;
            return (summary["initialEvalLoss"]!.GetValue<double>(), summary["finalEvalLoss"]!.GetValue<double>());
        }

        var fp32 = await Train("fp32");
        var low = await Train(precision);

        Assert.True(low.After < low.Before - 0.8, $"{precision}: eval loss {low.Before} -> {low.After}");
        Assert.InRange(low.After, fp32.After * 0.95, fp32.After * 1.05);
        Assert.NotEqual(fp32.After, low.After);
    }

    [Fact]
    public async Task Inspect_says_which_precision_and_that_fp8_is_simulated()
    {
        using var dir = new TempDirectory();
        var path = dir.File("spec.json", TestSpecs.Gpt(32).With("precision=fp8").ToJsonString());

        var result = await CliRunner.RunAsync("inspect", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("precision fp8 (simulated, products computed in float32): linear inputs and weights rounded to E4M3, output gradients to E5M2; attention output and MLP down projections in bf16", result.Output);
    }

    private static async Task<(JsonNode Summary, List<JsonNode> Metrics)> RunGpt(JsonObject spec)
    {
        using var dir = new TempDirectory();
        var result = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(result.ExitCode == 0, result.Error);
        var folder = CliRunner.RunFolder(dir);
        var metrics = File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        return (JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!, metrics);
    }

    [Fact]
    public async Task Fp8_counts_saturation_and_underflow_per_tensor_on_logged_steps_and_umup_gradients_do_not_underflow()
    {
        static JsonObject Spec(string parametrization) => TestSpecs.Gpt(32, steps: 4, parametrization: parametrization)
            .With("precision=fp8", "training.logInterval=2", parametrization == "umup" ? "optimizer.lr=1.0" : "optimizer.lr=0.01");

        var (mupSummary, mup) = await RunGpt(Spec("mup"));
        var (_, umup) = await RunGpt(Spec("umup"));

        Assert.Equal(new[] { 2, 4 }, mup.Select(m => m["step"]!.GetValue<int>()));
        var counts = mup[0]["rounding"]!.AsArray().ToDictionary(c => c!["tensor"]!.GetValue<string>());
        // Every fp8 product reports its input, weight (E4M3) and output gradient (E5M2); the critical ones run in bf16.
        Assert.Equal("E4M3", counts["blocks.0.attention.query.input"]!["format"]!.GetValue<string>());
        Assert.Equal(32L * 32, counts["blocks.0.attention.query.weight"]!["elements"]!.GetValue<long>());
        Assert.Equal("E5M2", counts["blocks.0.mlp.up.grad"]!["format"]!.GetValue<string>());
        Assert.DoesNotContain("blocks.0.mlp.down.input", counts.Keys);
        Assert.Equal(counts.Values.Sum(c => c!["underflowed"]!.GetValue<long>()), mup[0]["underflowed"]!.GetValue<long>());

        static double UnderflowFraction(JsonNode record, string tensor)
        {
            var c = record["rounding"]!.AsArray().Single(c => c!["tensor"]!.GetValue<string>() == tensor)!;
            return (double)c["underflowed"]!.GetValue<long>() / c["elements"]!.GetValue<long>();
        }
        // A mean loss over 64 predictions gives muP gradients of ~1e-5 that E5M2 (smallest subnormal 1.5e-5) flushes to
        // zero; u-muP's unit-scaled loss and ops keep them near 1.
        double mupUnder = UnderflowFraction(mup[1], "blocks.1.mlp.up.grad"), umupUnder = UnderflowFraction(umup[1], "blocks.1.mlp.up.grad");
        Assert.True(mupUnder > 0.2 && umupUnder < 0.05, $"MLP gradient underflowed: muP {mupUnder:P1}, u-muP {umupUnder:P1}");
        // summary.json keeps the last logged step's totals and worst tensors.
        var rounding = mupSummary["rounding"]!;
        Assert.Equal(4, rounding["step"]!.GetValue<int>());
        Assert.Equal(mup[1]["underflowed"]!.GetValue<long>(), rounding["underflowed"]!.GetValue<long>());
        Assert.EndsWith(".grad", rounding["worst"]![0]!["tensor"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_small_umup_gpt_trains_in_fp8_as_well_as_in_fp32()
    {
        static JsonObject Spec(string precision) => TestSpecs.Gpt(32, steps: 40, parametrization: "umup")
            .With($"precision={precision}", "optimizer.lr=1.0", "optimizer.weightDecay=0.0001", "training.evalInterval=40", "training.evalBatches=4", "training.logInterval=10");

        var (fp32, _) = await RunGpt(Spec("fp32"));
        var (fp8, _) = await RunGpt(Spec("fp8"));

        double before = fp8["initialEvalLoss"]!.GetValue<double>(), after = fp8["finalEvalLoss"]!.GetValue<double>();
        Assert.True(after < before - 0.5, $"u-muP fp8: eval loss {before} -> {after}, fp32 {fp32["finalEvalLoss"]}");
        Assert.InRange(after, fp32["finalEvalLoss"]!.GetValue<double>() * 0.97, fp32["finalEvalLoss"]!.GetValue<double>() * 1.03);
    }

    /// <summary>
    /// fp8 with stochastic rounding (graphcore's simulator default): a u-μP GPT still trains close to fp32, reports the
    /// same per-tensor statistics, and two runs of one seed are identical (the random numbers come from the run's
    /// seeded, checkpointed generator).
    /// </summary>
    [Fact]
    public async Task Fp8_with_stochastic_rounding_trains_reproducibly_and_reports_its_statistics()
    {
        static JsonObject Spec(string precision) => TestSpecs.Gpt(32, steps: 40, parametrization: "umup")
            .With($"precision={precision}", "optimizer.lr=1.0", "training.evalInterval=40", "training.evalBatches=4", "training.logInterval=10");

        var (fp32, _) = await RunGpt(Spec("fp32"));
        var (stochastic, metrics) = await RunGpt(Spec("{\"name\":\"fp8\",\"rounding\":\"stochastic\"}"));
        var (again, _) = await RunGpt(Spec("{\"name\":\"fp8\",\"rounding\":\"stochastic\"}"));
        var (nearest, _) = await RunGpt(Spec("fp8"));

        double after = stochastic["finalEvalLoss"]!.GetValue<double>();
        Assert.InRange(after, fp32["finalEvalLoss"]!.GetValue<double>() * 0.97, fp32["finalEvalLoss"]!.GetValue<double>() * 1.03);
        Assert.Equal(after, again["finalEvalLoss"]!.GetValue<double>()); // reproducible, bit for bit
        Assert.NotEqual(after, nearest["finalEvalLoss"]!.GetValue<double>()); // and not nearest rounding
        var counts = metrics[0]["rounding"]!.AsArray().ToDictionary(c => c!["tensor"]!.GetValue<string>());
        Assert.Equal("E5M2", counts["blocks.0.mlp.up.grad"]!["format"]!.GetValue<string>());
        Assert.Equal(32L * 32, counts["blocks.0.attention.query.weight"]!["elements"]!.GetValue<long>());
    }
}
