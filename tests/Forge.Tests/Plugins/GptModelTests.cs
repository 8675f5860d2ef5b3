using Forge.Tests.Support;
using TorchSharp;

namespace Forge.Tests.Plugins;

public class GptModelTests
{
    private static torch.Tensor Logits(TestExperiment test, torch.Tensor tokens)
    {
        using var noGrad = torch.no_grad();
        return test.Experiment.Model.call(tokens);
    }

    [Fact]
    public void The_fused_and_explicit_attention_kernels_compute_the_same_function()
    {
        // sp with a non-zero query so that attention is not uniform
        using var fused = TestExperiment.Build(TestSpecs.Gpt(32, parametrization: "sp"));
        using var explicitKernel = TestExperiment.Build(TestSpecs.Gpt(32, parametrization: "sp").With("model.attention=explicit"));
        using var tokens = torch.randint(65, new long[] { 2, 16 }, generator: new torch.Generator(3));

        using var a = Logits(fused, tokens);
        using var b = Logits(explicitKernel, tokens);

        Assert.Equal(new long[] { 2, 16, 65 }, a.shape);
        Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"max difference {(a - b).abs().max().item<float>()}");
    }

    [Theory]
    [InlineData("sdpa")]
    [InlineData("explicit")]
    public void A_position_never_sees_later_tokens(string kernel)
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(32, parametrization: "sp").With($"model.attention={kernel}"));
        using var tokens = torch.randint(65, new long[] { 1, 16 }, generator: new torch.Generator(4));
        using var changed = tokens.clone();
        changed[0, 10] = (tokens[0, 10] + 1) % 65;

        using var before = Logits(test, tokens);
        using var after = Logits(test, changed);

        Assert.True(before[.., ..10].eq(after[.., ..10]).all().item<bool>(), "logits before position 10 must not depend on token 10");
        Assert.False(before[.., 10..].allclose(after[.., 10..]), "logits from position 10 on must depend on token 10");
    }

    [Fact]
    public void A_gpt_on_a_non_text_dataset_is_refused_with_a_clear_message()
    {
        var spec = TestSpecs.SyntheticRegression().With("model={\"name\":\"gpt\",\"width\":32}");

        var e = Assert.ThrowsAny<Exception>(() => TestExperiment.Build(spec));

        Assert.Contains("needs token sequences", e.Message);
    }

    [Fact]
    public async Task Heads_that_do_not_divide_the_width_are_a_spec_error()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.Gpt(30).With("model.headDim=null", "model.heads=4"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("model.heads: width 30 is not divisible by 4 heads", result.Error);
    }
}
