using Forge.Abstractions.Models;
using Forge.Core.Inference;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Inference;

/// <summary>gpt's key-value cache: the logits of each new token equal those of running the model over the whole sequence so far.</summary>
public class KeyValueCacheTests
{
    [Theory]
    [InlineData("sp", "fp32", "sdpa")]
    [InlineData("mup", "fp32", "sdpa")]
    [InlineData("mup", "fp32", "explicit")]
    [InlineData("umup", "fp32", "sdpa")]
    [InlineData("abc", "fp32", "sdpa")]
    [InlineData("spectral", "fp32", "sdpa")]
    [InlineData("mup", "bf16", "sdpa")]
    [InlineData("umup", "fp8", "sdpa")]
    public void Cached_logits_equal_those_of_the_whole_sequence_at_every_position(string parametrization, string precision, string kernel)
    {
        var spec = TestSpecs.Gpt(32, steps: 1, parametrization).With($"precision={precision}", $"model.attention={kernel}");
        if (parametrization == "abc")
            spec = spec.With("parametrization.preset=ntk");
        using var test = TestExperiment.Build(spec);
        Assert.Equal(16, Assert.IsAssignableFrom<IIncrementalDecoder>(test.Experiment.Model).MaxSequence);

        double worst = CachedDecoding.WorstRelativeDifference(test, prefill: 5, seed: 7);

        // fp32: kernels sum in another order; bf16 and fp8: the same roundings of other sums
        Assert.InRange(worst, 0, precision == "fp32" ? 1e-5 : 2e-2);
    }

    [Fact]
    public void A_cache_refuses_more_positions_than_it_holds()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(32, steps: 1));
        var decoder = (IIncrementalDecoder)test.Experiment.Model;
        using var noGrad = no_grad();
        using var cache = decoder.CreateCache(4);
        using var tokens = zeros(new long[] { 1, 3 }, ScalarType.Int64);
        decoder.Decode(tokens, cache).Dispose();
        var e = Assert.Throws<InvalidOperationException>(() => decoder.Decode(tokens, cache));
        Assert.Contains("holds 4 positions; 3 are used and 3 more", e.Message);
    }

    [Fact]
    public void Picking_follows_temperature_top_k_and_top_p()
    {
        using var logits = tensor(new float[] { 1f, 3f, 2f, 0f });
        using var generator = new Generator(1);
        Assert.Equal(1, TextSampler.Pick(logits, new SamplingOptions(Temperature: 0), generator));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, TextSampler.Pick(logits, new SamplingOptions(TopK: 1), generator)));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Contains(TextSampler.Pick(logits, new SamplingOptions(TopK: 2), generator), new[] { 1, 2 }));
        // probabilities 0.09, 0.67, 0.24, 0.03: top-p 0.5 keeps only the first; 0.8 the first two
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, TextSampler.Pick(logits, new SamplingOptions(Temperature: 1, TopP: 0.5), generator)));
        var drawn = Enumerable.Range(0, 200).Select(_ => TextSampler.Pick(logits, new SamplingOptions(Temperature: 1, TopP: 0.8), generator)).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 2 }, drawn);
        var all = Enumerable.Range(0, 400).Select(_ => TextSampler.Pick(logits, new SamplingOptions(Temperature: 1), generator)).ToHashSet();
        Assert.Equal(4, all.Count);
    }
}
