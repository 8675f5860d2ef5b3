using Forge.Abstractions.Plugins;
using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Errors;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Plugins.Datasets;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Data;

/// <summary>The tokens dataset: nanoGPT's and llm.c's files, the same stream as the text dataset, exact resume, bad files.</summary>
public class TokensDatasetTests
{
    private static List<JsonObject> Lines(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    /// <summary>Tiny Shakespeare's characters as token ids, split as the text dataset splits them (the last 10 % held out).</summary>
    private static (ushort[] Train, ushort[] Val, int Vocabulary) ShakespeareTokens()
    {
        var text = File.ReadAllText(TestSpecs.ShakespearePath);
        var vocabulary = text.Distinct().Order().ToArray();
        var index = vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (ushort)p.i);
        var tokens = text.Select(c => index[c]).ToArray();
        int val = (int)(tokens.Length * 0.1);
        return (tokens[..^val], tokens[^val..], vocabulary.Length);
    }

    private static void WriteRaw(string path, ReadOnlySpan<ushort> tokens) =>
        File.WriteAllBytes(path, System.Runtime.InteropServices.MemoryMarshal.AsBytes(tokens).ToArray());

    private static void WriteLlmc(string path, ReadOnlySpan<ushort> tokens, int version = 1, int? count = null)
    {
        using var file = File.Create(path);
        var header = new int[256];
        (header[0], header[1], header[2]) = (Forge.Abstractions.Data.LlmcTokenFormat.Magic, version, count ?? tokens.Length);
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(header.AsSpan()));
        file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tokens));
    }

    private static string Prepared(TempDirectory dir, bool llmc = false, bool meta = true)
    {
        var (train, val, vocabulary) = ShakespeareTokens();
        var folder = Path.Combine(dir.Path, llmc ? "llmc" : "nanogpt");
        Directory.CreateDirectory(folder);
        if (llmc)
        {
            WriteLlmc(Path.Combine(folder, "train.bin"), train);
            WriteLlmc(Path.Combine(folder, "val.bin"), val);
        }
        else
        {
            WriteRaw(Path.Combine(folder, "train.bin"), train);
            WriteRaw(Path.Combine(folder, "val.bin"), val);
        }
        if (meta)
            File.WriteAllText(Path.Combine(folder, "meta.json"), $"{{ \"tokenizer\": \"char\", \"vocabSize\": {vocabulary}, \"dtype\": \"uint16\", \"trainTokens\": {train.Length}, \"valTokens\": {val.Length} }}");
        return folder;
    }

    private static JsonObject Spec(string folder, int steps = 16) =>
        TestSpecs.Gpt(32, steps: steps).With($"data={{\"name\":\"tokens\",\"path\":\"{folder}\",\"context\":16}}", "training.evalInterval=8", "training.logInterval=2");

    [Fact]
    public void Characters_as_token_files_train_exactly_as_the_text_dataset_in_either_format()
    {
        using var dir = new TempDirectory();
        var runs = new Dictionary<string, List<JsonObject>>();
        foreach (var (name, spec) in new[] { ("text", TestSpecs.Gpt(32, steps: 16).With("training.evalInterval=8", "training.logInterval=2")),
                     ("nanogpt", Spec(Prepared(dir))), ("llmc", Spec(Prepared(dir, llmc: true))) })
        {
            using var test = TestExperiment.Build(spec);
            var folder = Path.Combine(dir.Path, "run-" + name);
            Assert.Equal(RunStatus.Completed, test.Train(folder).Status);
            runs[name] = Lines(Path.Combine(folder, "metrics.jsonl"));
        }

        foreach (var other in new[] { "nanogpt", "llmc" })
            foreach (var field in new[] { "loss", "evalLoss", "gradNorm" })
                Assert.Equal(runs["text"].Select(l => l[field]?.GetValue<double>()), runs[other].Select(l => l[field]?.GetValue<double>()));
    }

    [Fact]
    public void Windows_are_the_files_tokens_with_targets_shifted_by_one()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "d");
        Directory.CreateDirectory(folder);
        var train = Enumerable.Range(0, 300).Select(i => (ushort)i).ToArray(); // token i at position i
        WriteRaw(Path.Combine(folder, "train.bin"), train);
        WriteRaw(Path.Combine(folder, "val.bin"), train[..100]);
        using var data = new TokensDataset(new TokensOptions { Path = folder, Context = 8, VocabSize = 300 }, new Forge.Core.Composition.RunEnvironment(1, CPU, dir.Path, 1));
        using var generator = new Generator(5);

        using var batch = data.NextTrainingBatch(4, generator);

        Assert.Equal(new long[] { 4, 8 }, batch.Inputs.shape);
        var inputs = batch.Inputs.data<long>().ToArray();
        var targets = batch.Targets.data<long>().ToArray();
        for (int b = 0; b < 4; b++)
            for (int t = 0; t < 8; t++)
            {
                Assert.Equal(inputs[b * 8] + t, inputs[b * 8 + t]);
                Assert.Equal(inputs[b * 8] + t + 1, targets[b * 8 + t]);
            }
        Assert.Equal(300, data.Description.VocabularySize);
    }

    [Fact]
    public void A_resumed_run_continues_the_same_windows()
    {
        using var dir = new TempDirectory();
        var spec = Spec(Prepared(dir));
        var whole = Path.Combine(dir.Path, "whole");
        var store = new CheckpointStore(whole, new CheckpointOptions { Interval = 8, KeepLast = 5 });
        using (var test = TestExperiment.Build(spec))
            Assert.Equal(RunStatus.Completed, test.Train(whole, checkpoints: store).Status);

        var resumed = Path.Combine(dir.Path, "resumed");
        using (var test = TestExperiment.Build(spec))
        using (var checkpoint = CheckpointStore.Load(Path.Combine(store.Root, "step-00000008")))
            Assert.Equal(RunStatus.Completed, test.Train(resumed, resumeFrom: checkpoint).Status);

        var expected = Lines(Path.Combine(whole, "metrics.jsonl")).Where(l => l["step"]!.GetValue<int>() > 8).ToList();
        var actual = Lines(Path.Combine(resumed, "metrics.jsonl"));
        Assert.Equal(expected.Select(l => l["loss"]!.GetValue<double>()), actual.Select(l => l["loss"]!.GetValue<double>()));
    }

    [Fact]
    public void Named_tokenizers_give_the_vocabulary_size_and_must_agree_with_meta_json()
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "d");
        Directory.CreateDirectory(folder);
        var tokens = Enumerable.Range(0, 300).Select(i => (ushort)(i * 97)).ToArray();
        WriteRaw(Path.Combine(folder, "train.bin"), tokens);
        WriteRaw(Path.Combine(folder, "val.bin"), tokens);
        var environment = new Forge.Core.Composition.RunEnvironment(1, CPU, dir.Path, 1);

        using (var data = new TokensDataset(new TokensOptions { Path = folder, Context = 8, Tokenizer = "gpt2" }, environment))
        {
            Assert.Equal(50257, data.Description.VocabularySize);
            Assert.Equal("gpt2", data.Description.Tokenizer!.Name);
            Assert.Null(data.Description.HeldOutBytesPerToken);
        }

        File.WriteAllText(Path.Combine(folder, "meta.json"), "{ \"tokenizer\": \"cl100k\", \"valBytes\": 900 }");
        using (var data = new TokensDataset(new TokensOptions { Path = folder, Context = 8 }, environment))
        {
            Assert.Equal(100277, data.Description.VocabularySize); // meta.json names the tokenizer: its size follows
            Assert.Equal(3.0, data.Description.HeldOutBytesPerToken);
        }
        var error = Assert.Throws<PluginException>(() => new TokensDataset(new TokensOptions { Path = folder, Context = 8, Tokenizer = "gpt2" }, environment));
        Assert.Contains("data.tokenizer is \"gpt2\", but", error.Message);
        Assert.Contains("says the files were encoded with \"cl100k\"", error.Message);
        File.Delete(Path.Combine(folder, "meta.json"));
        var unknown = Assert.Throws<PluginException>(() => new TokensDataset(new TokensOptions { Path = folder, Context = 8, Tokenizer = "gtp2" }, environment));
        Assert.Contains("is neither a known tokenizer", unknown.Message);
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "odd", "has 2001 bytes, not a whole number of 2-byte tokens (uint16): the last token is cut off at byte 2000" },
        { "version", "has llm.c's magic 20240520 but version 7 at byte 4" },
        { "truncated", "is an llm.c token file whose header says 2000 tokens" },
        { "vocabulary", "has token id 500 at token 10 (byte 20), not below the vocabulary size 300" },
        { "empty", "is empty" },
        { "missing", "does not exist" },
        { "no-meta", "data.vocabSize: there is no meta.json" },
        { "count", "says train.bin holds 999 tokens, but" },
        { "bad-meta", "It must be a JSON object like" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_token_file_is_refused_naming_the_file_and_where(string problem, string message)
    {
        using var dir = new TempDirectory();
        var folder = Path.Combine(dir.Path, "d");
        Directory.CreateDirectory(folder);
        var tokens = Enumerable.Range(0, 1000).Select(i => (ushort)(i % 300)).ToArray();
        var train = Path.Combine(folder, "train.bin");
        WriteRaw(Path.Combine(folder, "val.bin"), tokens);
        WriteRaw(train, tokens);
        string meta = "{ \"vocabSize\": 300, \"trainTokens\": 1000 }";
        switch (problem)
        {
            case "odd": File.WriteAllBytes(train, new byte[2001]); break;
            case "version": WriteLlmc(train, tokens, version: 7); break;
            case "truncated": WriteLlmc(train, tokens, count: 2000); break;
            case "vocabulary": tokens[10] = 500; WriteRaw(train, tokens); break;
            case "empty": File.WriteAllBytes(train, Array.Empty<byte>()); break;
            case "missing": File.Delete(train); break;
            case "no-meta": meta = ""; break;
            case "count": meta = "{ \"vocabSize\": 300, \"trainTokens\": 999 }"; break;
            case "bad-meta": meta = "{ vocabSize"; break;
        }
        if (problem == "odd")
            meta = "{ \"vocabSize\": 300 }";
        if (meta.Length > 0)
            File.WriteAllText(Path.Combine(folder, "meta.json"), meta);

        var error = Assert.Throws<RunSetupException>(() => TestExperiment.Build(Spec(folder)).Dispose());

        Assert.Contains(message, error.Message);
        Assert.True(error.Message.Contains(folder) || problem == "no-meta", error.Message);
    }
}
