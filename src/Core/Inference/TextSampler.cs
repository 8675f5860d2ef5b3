using Forge.Abstractions.Models;
using Forge.Core.Corpora;
using Forge.Core.Errors;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Core.Inference;

/// <summary>How <c>forge sample</c> draws tokens.</summary>
/// <param name="Prompt">Text the sample continues; empty starts from the end-of-text token (or a newline for char).</param>
/// <param name="Tokens">How many tokens to generate.</param>
/// <param name="Temperature">Divides the logits; 0 picks the most likely token every time.</param>
/// <param name="TopK">Draw only among the k most likely tokens.</param>
/// <param name="TopP">Draw only among the most likely tokens whose probabilities sum to at least p (nucleus sampling).</param>
/// <param name="Seed">Seeds the draws: the same seed gives the same text.</param>
/// <param name="UseCache">Continue from a key-value cache where the model has one (otherwise the window is run again for every token).</param>
public sealed record SamplingOptions(string Prompt = "", int Tokens = 200, double Temperature = 0.8, int? TopK = null, double? TopP = null, long Seed = 1, bool UseCache = true)
{
    /// <summary>A bad setting as a <see cref="RunSetupException"/> naming the option.</summary>
    public void Validate()
    {
        if (Tokens < 1)
            throw new RunSetupException($"--tokens: {Tokens} is not a positive number of tokens to generate.");
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
            throw new RunSetupException($"--temperature: {Temperature} must be 0 (always the most likely token) or positive.");
        if (TopK is < 1)
            throw new RunSetupException($"--top-k: {TopK} must be at least 1.");
        if (TopP is { } p && !(p > 0 && p <= 1))
            throw new RunSetupException($"--top-p: {TopP} must be in (0, 1].");
    }
}

/// <summary>
/// Generates text from an experiment's model (a <see cref="TrainedModel"/>'s) token by token, handing each piece of decoded text to a callback as
/// soon as it is complete (a byte-level token that ends inside a character waits for the next). A model that is an
/// <see cref="IIncrementalDecoder"/> continues from its key-value cache, so every token costs about the same; when the
/// sequence fills the model's positions, the cache restarts from the last half of them. Without the cache
/// (<see cref="SamplingOptions.UseCache"/> false) it runs the last window of up to the model's positions again for every
/// token, through a fresh cache, so both paths compute the same (to rounding) while the sequence fits. Other models
/// run their whole window (the training context) again for every token.
/// </summary>
public sealed class TextSampler(Forge.Core.Composition.Experiment experiment, TextTokenizer tokenizer)
{
    /// <summary>
    /// Generates <see cref="SamplingOptions.Tokens"/> tokens after the prompt and returns their ids; each piece of text
    /// goes to <paramref name="emit"/> as it completes, and <paramref name="timed"/> gets each new token's position and
    /// the time it took.
    /// </summary>
    public IReadOnlyList<int> Generate(SamplingOptions options, Action<string>? emit = null, Action<int, TimeSpan>? timed = null)
    {
        options.Validate();
        var ids = StartingIds(options.Prompt);
        experiment.Model.eval();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)options.Seed);
        var decoder = experiment.Model as IIncrementalDecoder;
        int window = decoder is null ? experiment.Dataset.Description.SequenceLength : decoder.MaxSequence ?? int.MaxValue;
        int vocabulary = tokenizer.VocabularySize;
        var generated = new List<int>();
        var text = new StreamedText(tokenizer, emit);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        KeyValueCache? cache = null;
        try
        {
            for (int step = 0; step < options.Tokens; step++)
            {
                using var scope = NewDisposeScope();
                clock.Restart();
                Tensor logits;
                if (decoder is not null && !options.UseCache)
                {
                    // the whole window again, through a fresh cache: the same arithmetic as the cached path
                    var visible = ids.Skip(Math.Max(0, ids.Count - window)).ToArray();
                    using var fresh = decoder.CreateCache(visible.Length);
                    logits = decoder.Decode(Row(visible, experiment), fresh);
                }
                else if (decoder is not null)
                {
                    if (cache is null || cache.Free == 0)
                    {
                        cache?.Dispose();
                        int keep = cache is null ? Math.Min(ids.Count, window) : Math.Max(1, window / 2);
                        cache = decoder.CreateCache(Math.Min(window, keep + options.Tokens - step));
                        logits = decoder.Decode(Row(ids.Skip(ids.Count - keep).ToArray(), experiment), cache);
                    }
                    else
                        logits = decoder.Decode(Row(new[] { ids[^1] }, experiment), cache);
                }
                else
                    logits = experiment.Model.call(Row(ids.Skip(Math.Max(0, ids.Count - window)).ToArray(), experiment));
                var last = experiment.Ops.PredictiveLogits(logits[0, -1]).to(ScalarType.Float32).cpu();
                int next = Pick(last.narrow(0, 0, Math.Min(vocabulary, last.shape[0])), options, generator);
                ids.Add(next);
                generated.Add(next);
                timed?.Invoke(ids.Count - 1, clock.Elapsed);
                text.Add(generated);
            }
            text.Flush(generated);
        }
        finally
        {
            cache?.Dispose();
        }
        return generated;
    }

    /// <summary>The prompt's ids, or the token a sample starts from when there is no prompt.</summary>
    private List<int> StartingIds(string prompt)
    {
        if (prompt.Length > 0)
        {
            try
            {
                var encoded = tokenizer.Encode(prompt);
                if (encoded.Count > 0)
                    return encoded.ToList();
            }
            catch (RunSetupException e)
            {
                throw new RunSetupException($"--prompt: {e.Message}", e);
            }
        }
        if (tokenizer.EndOfText is { } separator)
            return new List<int> { separator };
        try
        {
            return tokenizer.Encode("\n").Take(1).DefaultIfEmpty(0).ToList();
        }
        catch (RunSetupException)
        {
            return new List<int> { 0 }; // a char vocabulary without a newline: its first character
        }
    }

    private static Tensor Row(int[] ids, Forge.Core.Composition.Experiment experiment) =>
        tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Length }).to(experiment.Environment.Device);

    /// <summary>One token drawn from <paramref name="logits"/> (vocabulary) by temperature, top-k and top-p.</summary>
    internal static int Pick(Tensor logits, SamplingOptions options, Generator generator)
    {
        if (options.Temperature == 0)
            return (int)logits.argmax().item<long>();
        // numbers held as Scalars for the calls' whole length (a temporary one may be finalized while libtorch reads it)
        using var temperature = options.Temperature.ToScalar();
        using var minusInfinity = float.NegativeInfinity.ToScalar();
        var scaled = logits.div(temperature);
        if (options.TopK is { } k && k < scaled.shape[0])
        {
            var kth = scaled.topk(k).values[-1];
            scaled = scaled.masked_fill(scaled < kth, minusInfinity);
        }
        if (options.TopP is { } p && p < 1)
        {
            var (sorted, order) = scaled.sort(descending: true);
            var cumulative = sorted.softmax(0).cumsum(0);
            using var mass = p.ToScalar();
            var drop = (cumulative - sorted.softmax(0)).ge(mass); // keep the smallest prefix whose mass reaches p
            scaled = scaled.index_put_(tensor(float.NegativeInfinity), order.masked_select(drop));
        }
        return (int)scaled.softmax(0).multinomial(1, generator: generator).item<long>();
    }

    /// <summary>Decoded text handed out as it completes: a trailing U+FFFD (a character cut between tokens) waits for the next token.</summary>
    private sealed class StreamedText(TextTokenizer tokenizer, Action<string>? emit)
    {
        private int _written;

        public void Add(IReadOnlyList<int> ids)
        {
            if (emit is null)
                return;
            var text = tokenizer.Decode(ids);
            int end = text.Length;
            while (end > _written && text[end - 1] == '\uFFFD')
                end--;
            Write(text, end);
        }

        public void Flush(IReadOnlyList<int> ids)
        {
            if (emit is not null)
            {
                var text = tokenizer.Decode(ids);
                Write(text, text.Length);
            }
        }

        private void Write(string text, int end)
        {
            if (end > _written)
            {
                emit!(text[_written..end]);
                _written = end;
            }
        }
    }
}
