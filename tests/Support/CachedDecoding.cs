using Forge.Abstractions.Models;
using static TorchSharp.torch;

namespace Forge.Tests.Support;

/// <summary>How far a language model's cached decoding is from its forward pass over the whole window.</summary>
public static class CachedDecoding
{
    /// <summary>
    /// Two random sequences of the model's 16-token window: the forward pass over them against a prefill of the first
    /// <paramref name="prefill"/> tokens and one cached step per later token; the largest difference, relative to the
    /// largest logit. A causal model's logits at position t do not depend on later tokens, so one pass gives every
    /// position's; u-μP's attention scales with the window's length, which the cache takes as given.
    /// </summary>
    public static double WorstRelativeDifference(TestExperiment test, int prefill, ulong seed)
    {
        var model = test.Experiment.Model;
        model.eval();
        using var noGrad = no_grad();
        using var generator = new Generator(seed);
        using var tokens = randint(test.Experiment.Dataset.Description.VocabularySize, new long[] { 2, 16 }, generator: generator);
        var decoder = (IIncrementalDecoder)model;
        using var whole = model.call(tokens);
        using var cache = decoder.CreateCache(16);
        double worst;
        using (var first = decoder.Decode(tokens[.., ..prefill], cache))
            worst = Relative(first, whole.narrow(1, 0, prefill));
        for (int t = prefill; t < 16; t++)
        {
            using var scope = NewDisposeScope();
            var step = decoder.Decode(tokens[.., t..(t + 1)], cache);
            if (step.shape[1] != 1 || step.shape[^1] != whole.shape[^1])
                throw new InvalidOperationException($"a cached step gave logits of shape [{string.Join(", ", step.shape)}]");
            worst = Math.Max(worst, Relative(step, whole.narrow(1, t, 1)));
        }
        if (cache.Length != 16)
            throw new InvalidOperationException($"the cache holds {cache.Length} positions after 16 tokens");
        return worst;
    }

    private static double Relative(Tensor a, Tensor b) =>
        (a - b).abs().max().item<float>() / Math.Max(1e-12, b.abs().max().item<float>());
}
