using System.IO.Compression;
using System.Text.Json.Nodes;
using Forge.Core.Corpora;
using Forge.Core.Errors;
using Forge.Tests.Support;
using Microsoft.ML.Tokenizers;

namespace Forge.Tests.Data;

/// <summary>forge prepare: what it writes for char and BPE tokenizers, in both formats, from text, JSONL and gzip, and its refusals.</summary>
public class CorpusPreparationTests
{
    private static ushort[] Tokens(string path, int headerBytes = 0) =>
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(File.ReadAllBytes(path).AsSpan(headerBytes)).ToArray();

    [Fact]
    public void Char_tokens_are_the_text_datasets_and_meta_json_says_what_was_done()
    {
        using var dir = new TempDirectory();
        var text = File.ReadAllText(TestSpecs.ShakespearePath);
        var vocabulary = text.Distinct().Order().ToList();
        int held = (int)(text.Length * 0.1);

        var result = CorpusPreparation.Run(new PrepareOptions(new[] { TestSpecs.ShakespearePath }, "char", dir.Path));

        var expected = text.Select(c => (ushort)vocabulary.IndexOf(c)).ToArray();
        Assert.Equal(expected[..^held], Tokens(Path.Combine(dir.Path, "train.bin")));
        Assert.Equal(expected[^held..], Tokens(Path.Combine(dir.Path, "val.bin")));
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "meta.json")))!;
        Assert.Equal(("char", vocabulary.Count, "uint16", "nanogpt"), (meta["tokenizer"]!.GetValue<string>(), meta["vocabSize"]!.GetValue<int>(), meta["dtype"]!.GetValue<string>(), meta["format"]!.GetValue<string>()));
        Assert.Equal((long)(text.Length - held), meta["trainTokens"]!.GetValue<long>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestSpecs.ShakespearePath))), meta["inputs"]![0]!["sha256"]!.GetValue<string>());
        Assert.Equal((text.Length - held, held), (result.TrainTokens, result.ValTokens));
        Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => f.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public void Gpt2_tokens_of_a_file_read_in_pieces_are_those_of_encoding_each_part_whole_and_llmc_has_its_header()
    {
        using var dir = new TempDirectory();
        var text = File.ReadAllText(TestSpecs.ShakespearePath);
        int split = text.Length - (int)(text.Length * 0.1);
        var gpt2 = TiktokenTokenizer.CreateForModel("gpt2");

        CorpusPreparation.Run(new PrepareOptions(new[] { TestSpecs.ShakespearePath }, "gpt2", dir.Path, Llmc: true));

        var header = File.ReadAllBytes(Path.Combine(dir.Path, "val.bin")).AsSpan(0, 12).ToArray();
        Assert.Equal(new[] { 20240520, 1 }, new[] { BitConverter.ToInt32(header, 0), BitConverter.ToInt32(header, 4) });
        var val = Tokens(Path.Combine(dir.Path, "val.bin"), 1024);
        Assert.Equal(BitConverter.ToInt32(header, 8), val.Length);
        // the file (1.1 M characters) is read in pieces of about 1 MiB, so the held-out part spans a cut
        Assert.Equal(gpt2.EncodeToIds(text[split..]).Select(i => (ushort)i), val);
        Assert.Equal(gpt2.EncodeToIds(text[..split]).Select(i => (ushort)i), Tokens(Path.Combine(dir.Path, "train.bin"), 1024));
    }

    [Fact]
    public void Jsonl_documents_gzip_and_folders_are_read_in_path_order()
    {
        using var dir = new TempDirectory();
        var corpus = Directory.CreateDirectory(Path.Combine(dir.Path, "corpus")).FullName;
        File.WriteAllText(Path.Combine(corpus, "a.txt"), "abc\n");
        using (var gz = new GZipStream(File.Create(Path.Combine(corpus, "b.jsonl.gz")), CompressionLevel.Fastest))
        using (var writer = new StreamWriter(gz))
            writer.Write("{\"body\": \"dd\"}\n\n{\"body\": \"eeee\", \"other\": 1}\n");
        File.WriteAllText(Path.Combine(corpus, "ignored.csv"), "zzzz");

        var result = CorpusPreparation.Run(new PrepareOptions(new[] { corpus }, "char", Path.Combine(dir.Path, "out"), ValidationFraction: 0.2, Field: "body"));

        // "abc\n" + "dd" + "eeee": 10 characters, vocabulary \n a b c d e; the last 2 held out
        Assert.Equal(new ushort[] { 1, 2, 3, 0, 4, 4, 5, 5 }, Tokens(Path.Combine(dir.Path, "out", "train.bin")));
        Assert.Equal(new ushort[] { 5, 5 }, Tokens(Path.Combine(dir.Path, "out", "val.bin")));
        Assert.Equal(6, result.VocabularySize);
        var inputs = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "meta.json")))!["inputs"]!.AsArray();
        Assert.All(inputs, input => Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(dir.Path, "out", input!["path"]!.GetValue<string>())))),
            input!["sha256"]!.GetValue<string>())); // the stored bytes, gzip included; paths relative to the output folder
    }

    [Fact]
    public void Bpe_documents_are_separated_by_the_end_of_text_token_and_meta_json_records_the_vocabulary_and_bytes()
    {
        using var dir = new TempDirectory();
        var corpus = Path.Combine(dir.Path, "docs.jsonl");
        File.WriteAllText(corpus, "{\"text\": \"Hello world\"}\n{\"text\": \"Good night, café\"}\n{\"text\": \"Ten more words here for the held out part\"}\n");
        var gpt2 = TiktokenTokenizer.CreateForModel("gpt2");

        CorpusPreparation.Run(new PrepareOptions(new[] { corpus }, "gpt2", Path.Combine(dir.Path, "out"), ValidationFraction: 0.3));

        // 11 + 16 + 41 = 68 characters; the last 20 (0.3 of them, inside the third document) held out
        var third = "Ten more words here for the held out part";
        int cut = third.Length - 20;
        Assert.Equal(gpt2.EncodeToIds("Hello world").Append(50256).Concat(gpt2.EncodeToIds("Good night, café")).Append(50256).Concat(gpt2.EncodeToIds(third[..cut])).Select(i => (ushort)i),
            Tokens(Path.Combine(dir.Path, "out", "train.bin")));
        Assert.Equal(gpt2.EncodeToIds(third[cut..]).Select(i => (ushort)i), Tokens(Path.Combine(dir.Path, "out", "val.bin")));
        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "out", "meta.json")))!;
        Assert.Equal(20, meta["valBytes"]!.GetValue<long>());
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount("Hello worldGood night, café" + third[..cut]), meta["trainBytes"]!.GetValue<long>());
        Assert.Equal(TextTokenizer.Create("gpt2").VocabularyHash, meta["vocabularyHash"]!.GetValue<string>());
        Assert.Equal(64, meta["vocabularyHash"]!.GetValue<string>().Length);
    }

    [Fact]
    public void The_shipped_gpt2_tokens_of_tiny_shakespeare_are_what_the_documented_prepare_writes()
    {
        using var dir = new TempDirectory();
        var shipped = Path.Combine(TestSpecs.RepositoryRoot, "data", "tinyshakespeare-gpt2");

        CorpusPreparation.Run(new PrepareOptions(new[] { TestSpecs.ShakespearePath }, "gpt2", dir.Path));

        foreach (var file in new[] { "train.bin", "val.bin" })
            Assert.True(File.ReadAllBytes(Path.Combine(shipped, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir.Path, file))), $"{file} differs from a fresh forge prepare");
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "meta.json")))!.AsObject();
        var actual = JsonNode.Parse(File.ReadAllText(Path.Combine(shipped, "meta.json")))!.AsObject();
        Assert.Equal("../tinyshakespeare.txt", actual["inputs"]![0]!["path"]!.GetValue<string>());
        expected.Remove("inputs");
        actual.Remove("inputs");
        Assert.Equal(expected.ToJsonString(), actual.ToJsonString());
    }

    [Fact]
    public void Char_meta_json_lists_the_characters_so_the_tokens_decode()
    {
        using var dir = new TempDirectory();
        var corpus = Path.Combine(dir.Path, "a.txt");
        File.WriteAllText(corpus, "banana bread\n");

        CorpusPreparation.Run(new PrepareOptions(new[] { corpus }, "char", dir.Path, ValidationFraction: 0.25));

        var meta = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "meta.json")))!;
        Assert.Equal("\n abdenr", meta["vocabulary"]!.GetValue<string>());
        Assert.Equal("none (the documents are concatenated)", meta["documentSeparator"]!.GetValue<string>());
        var tokenizer = TextTokenizer.From(new Forge.Abstractions.Data.TokenizerInfo("char") { Characters = meta["vocabulary"]!.GetValue<string>() }, "test");
        Assert.Equal("banana bread\n", tokenizer.Decode(Tokens(Path.Combine(dir.Path, "train.bin")).Concat(Tokens(Path.Combine(dir.Path, "val.bin"))).Select(t => (int)t).ToList()));
    }

    [Theory]
    [InlineData("empty", "is empty: it has no characters")]
    [InlineData("not-json", "line 2 is not JSON")]
    [InlineData("no-field", "line 1 has no string field \"text\"; name the field that holds the text with --field")]
    [InlineData("missing", "does not exist")]
    [InlineData("fraction", "--val-fraction: 0.7 is not in (0, 0.5]")]
    public void Bad_input_is_refused_naming_the_file_and_nothing_is_written(string problem, string message)
    {
        using var dir = new TempDirectory();
        var input = Path.Combine(dir.Path, problem == "empty" ? "corpus.txt" : "corpus.jsonl");
        File.WriteAllText(input, problem switch
        {
            "empty" => "",
            "not-json" => "{\"text\": \"ok\"}\n{text\n",
            "no-field" => "{\"body\": \"ok\"}\n",
            _ => "{\"text\": \"ok\"}\n",
        });
        if (problem == "missing")
            File.Delete(input);
        var output = Path.Combine(dir.Path, "out");

        var error = Assert.Throws<RunSetupException>(() => CorpusPreparation.Run(new PrepareOptions(new[] { input }, "char", output, ValidationFraction: problem == "fraction" ? 0.7 : 0.1)));

        Assert.Contains(message, error.Message);
        if (problem is not "fraction")
            Assert.Contains(input, error.Message);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output).Any(), "nothing written");
    }

    [Fact]
    public async Task The_command_prepares_and_an_unknown_tokenizer_is_exit_2_with_the_closest_name()
    {
        using var dir = new TempDirectory();

        var ok = await CliRunner.RunAsync("prepare", TestSpecs.ShakespearePath, "--tokenizer", "char", "--output", dir.Path);
        var unknown = await CliRunner.RunAsync("prepare", TestSpecs.ShakespearePath, "--tokenizer", "gtp2", "--output", Path.Combine(dir.Path, "x"));

        Assert.True(ok.ExitCode == 0, ok.Error);
        Assert.Contains("prepared 1,003,855 training and 111,539 held-out tokens (vocabulary 65, char)", ok.Output);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown tokenizer 'gtp2'; did you mean 'gpt2'?", unknown.Error);
    }
}
