using System.Text.Json.Nodes;
using Forge.Core.Corpora;
using Forge.Tests.Support;

namespace Forge.Tests.Inference;

/// <summary>forge eval and forge sample on checkpoints of small runs: the figures, the text, and the refusals.</summary>
public class EvalAndSampleCommandTests
{
    private static async Task<string> TrainAsync(TempDirectory dir, JsonObject spec)
    {
        var run = await CliRunner.RunSpecAsync(dir, spec);
        Assert.True(run.ExitCode == 0, run.Error);
        return CliRunner.RunFolder(dir);
    }

    [Fact]
    public async Task Eval_of_the_final_checkpoint_reproduces_the_runs_eval_loss_and_the_same_text_prepared_gives_the_same_figures()
    {
        using var dir = new TempDirectory();
        var folder = await TrainAsync(dir, TestSpecs.Gpt(32, steps: 12).With("training.evalInterval=6", "training.evalBatches=3"));
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;

        var own = await CliRunner.RunAsync("eval", folder, "--json");
        Assert.True(own.ExitCode == 0, own.Error);
        var result = JsonNode.Parse(own.Output)!;
        Assert.Equal(summary["finalEvalLoss"]!.GetValue<double>(), result["loss"]!.GetValue<double>());
        Assert.Equal(12, result["step"]!.GetValue<int>());
        Assert.Equal(3 * 4 * 16, result["tokens"]!.GetValue<long>());
        Assert.Equal(Math.Exp(result["loss"]!.GetValue<double>()), result["perplexity"]!.GetValue<double>(), 12);
        // Shakespeare is ASCII: one byte per character
        Assert.Equal(result["loss"]!.GetValue<double>() / Math.Log(2), result["bitsPerByte"]!.GetValue<double>(), 12);

        var prepared = Path.Combine(dir.Path, "char");
        CorpusPreparation.Run(new PrepareOptions(new[] { TestSpecs.ShakespearePath }, "char", prepared));
        var onTokens = await CliRunner.RunAsync("eval", folder, "--data", prepared, "--json");
        Assert.True(onTokens.ExitCode == 0, onTokens.Error);
        Assert.Equal(result["loss"]!.GetValue<double>(), JsonNode.Parse(onTokens.Output)!["loss"]!.GetValue<double>());
        Assert.Equal(result["bitsPerByte"]!.GetValue<double>(), JsonNode.Parse(onTokens.Output)!["bitsPerByte"]!.GetValue<double>(), 12);

        var more = await CliRunner.RunAsync("eval", folder, "--batches", "5", "--context", "8");
        Assert.True(more.ExitCode == 0, more.Error);
        Assert.Contains("(160 predictions: 5 batches of 4 at context 8, tokenizer char)", more.Output);
    }

    [Fact]
    public async Task Eval_refuses_data_of_another_tokenizer_a_context_beyond_the_positions_and_a_folder_without_checkpoints()
    {
        using var dir = new TempDirectory();
        var folder = await TrainAsync(dir, TestSpecs.Gpt(32, steps: 2));

        var gpt2 = Path.Combine(dir.Path, "gpt2");
        CorpusPreparation.Run(new PrepareOptions(new[] { TestSpecs.ShakespearePath }, "gpt2", gpt2));
        var bpe = await CliRunner.RunAsync("eval", folder, "--data", gpt2);
        Assert.Equal(2, bpe.ExitCode);
        Assert.Contains("was encoded with the tokenizer gpt2, but the model was trained with char; evaluate on data prepared with --tokenizer char", bpe.Error.ReplaceLineEndings(" "));

        var other = dir.File("other.txt", string.Concat(Enumerable.Repeat("to be or not to be, that is the question\n", 200)));
        var chars = await CliRunner.RunAsync("eval", folder, "--data", other);
        Assert.Equal(2, chars.ExitCode);
        Assert.Contains("uses another char vocabulary than the model", chars.Error.ReplaceLineEndings(" "));

        var longer = await CliRunner.RunAsync("eval", folder, "--context", "17");
        Assert.Equal(2, longer.ExitCode);
        Assert.Contains("--context: 17 tokens is longer than the model's table of learned positions (16, model.context)", longer.Error);

        var empty = await CliRunner.RunAsync("eval", dir.Path);
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("is neither a checkpoint folder", empty.Error);
        Assert.DoesNotContain("   at ", empty.Error);
    }

    [Fact]
    public async Task Sample_streams_the_prompt_and_its_continuation_deterministically_per_seed_with_or_without_the_cache()
    {
        using var dir = new TempDirectory();
        var folder = await TrainAsync(dir, TestSpecs.Gpt(32, steps: 10));

        var first = await CliRunner.RunAsync("sample", folder, "--prompt", "KING:", "--tokens", "10", "--seed", "3");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.StartsWith("KING:", first.Output);
        Assert.Equal("KING:".Length + 10 + 1, first.Output.Length); // ten characters, then a newline
        var again = await CliRunner.RunAsync("sample", folder, "--prompt", "KING:", "--tokens", "10", "--seed", "3");
        Assert.Equal(first.Output, again.Output);
        // within the context (5 + 10 ≤ 16 positions) the cache changes nothing
        var uncached = await CliRunner.RunAsync("sample", folder, "--prompt", "KING:", "--tokens", "10", "--seed", "3", "--no-cache");
        Assert.Equal(first.Output, uncached.Output);
        var other = await CliRunner.RunAsync("sample", folder, "--prompt", "KING:", "--tokens", "40", "--seed", "4");
        Assert.NotEqual(first.Output[..15], other.Output[..15]);
        // beyond the context the cache restarts from the last half of it
        Assert.Equal("KING:".Length + 40 + 1, other.Output.Length);
    }

    [Fact]
    public async Task Eval_and_sample_work_on_the_mlp_and_sample_refuses_checkpoints_whose_tokenizer_is_unknown()
    {
        using var dir = new TempDirectory();
        var folder = await TrainAsync(dir, TestSpecs.Text(steps: 4).With("training.evalInterval=2"));
        var bigram = await CliRunner.RunAsync("sample", folder, "--tokens", "20", "--temperature", "0");
        Assert.True(bigram.ExitCode == 0, bigram.Error);
        Assert.Equal(20 + 1, bigram.Output.Length); // no prompt: 20 characters after the starting newline, then a newline
        var bigramEval = await CliRunner.RunAsync("eval", folder, "--json");
        Assert.True(bigramEval.ExitCode == 0, bigramEval.Error);
        Assert.Equal(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!["finalEvalLoss"]!.GetValue<double>(), JsonNode.Parse(bigramEval.Output)!["loss"]!.GetValue<double>());

        using (var synthetic = new TempDirectory())
        {
            var regression = await TrainAsync(synthetic, TestSpecs.SyntheticRegression(steps: 20));
            var mse = await CliRunner.RunAsync("eval", regression, "--json");
            Assert.True(mse.ExitCode == 0, mse.Error);
            var figures = JsonNode.Parse(mse.Output)!;
            Assert.Equal(JsonNode.Parse(File.ReadAllText(Path.Combine(regression, "summary.json")))!["finalEvalLoss"]!.GetValue<double>(), figures["loss"]!.GetValue<double>());
            Assert.Null(figures["perplexity"]); // a mean squared error has none
            var refusedSample = await CliRunner.RunAsync("sample", regression);
            Assert.Equal(2, refusedSample.ExitCode);
            Assert.Contains("records no tokenizer", refusedSample.Error);
        }

        using var raw = new TempDirectory();
        var tokens = Enumerable.Range(0, 4000).Select(i => (ushort)(i * 7 % 50)).ToArray();
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(tokens.AsSpan()).ToArray();
        File.WriteAllBytes(Path.Combine(raw.Path, "train.bin"), bytes);
        File.WriteAllBytes(Path.Combine(raw.Path, "val.bin"), bytes);
        var unnamed = await TrainAsync(raw, TestSpecs.Gpt(32, steps: 2).With($"data={{\"name\": \"tokens\", \"path\": \"{raw.Path}\", \"vocabSize\": 50, \"context\": 16}}"));
        var refused = await CliRunner.RunAsync("sample", unnamed);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("records no tokenizer, so its tokens cannot be turned into text", refused.Error);
        var evaluated = await CliRunner.RunAsync("eval", unnamed, "--json");
        Assert.True(evaluated.ExitCode == 0, evaluated.Error);
        Assert.Null(JsonNode.Parse(evaluated.Output)!["bitsPerByte"]); // no bytes recorded: no bits per byte
    }

    [Fact]
    public async Task A_sentencepiece_corpus_trains_and_samples_and_a_moved_model_file_is_named_when_sampling()
    {
        using var dir = new TempDirectory();
        var model = Path.Combine(dir.Path, "banana.model");
        File.WriteAllBytes(model, SentencePieceModels.Banana());
        var corpus = dir.File("corpus.txt", string.Concat(Enumerable.Repeat("banana bread\nand a banana\n", 60)));
        var prepared = Path.Combine(dir.Path, "sp");
        var prepare = await CliRunner.RunAsync("prepare", corpus, "--tokenizer", model, "--output", prepared);
        Assert.True(prepare.ExitCode == 0, prepare.Error);
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(prepared, "meta.json")))!;
        Assert.Equal(("sentencepiece", model, 27), (meta["tokenizer"]!.GetValue<string>(), meta["tokenizerModel"]!.GetValue<string>(), meta["vocabSize"]!.GetValue<int>()));

        var folder = await TrainAsync(dir, TestSpecs.Gpt(32, steps: 4).With($"data={{\"name\": \"tokens\", \"path\": \"{prepared}\", \"context\": 16}}"));
        var sample = await CliRunner.RunAsync("sample", folder, "--prompt", "banana", "--tokens", "8");
        Assert.True(sample.ExitCode == 0, sample.Error);
        Assert.StartsWith("banana", sample.Output);
        Assert.True(sample.Output.Length > "banana".Length + 8, sample.Output); // merged pieces: more characters than tokens

        File.Move(model, model + ".moved");
        var refused = await CliRunner.RunAsync("sample", folder);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"the tokenizer is the SentencePiece model file '{model}', which cannot be found", refused.Error.ReplaceLineEndings(" "));
    }
}
