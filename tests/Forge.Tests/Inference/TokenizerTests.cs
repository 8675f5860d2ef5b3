using Forge.Abstractions.Data;
using Forge.Core.Corpora;
using Forge.Core.Errors;
using Forge.Tests.Support;

namespace Forge.Tests.Inference;

/// <summary>The tokenizers Forge encodes and decodes with: round trips, vocabulary hashes, and what they refuse.</summary>
public class TokenizerTests
{
    [Theory]
    [InlineData("gpt2")]
    [InlineData("cl100k")]
    public void Bpe_tokenizers_decode_what_they_encode_and_hash_their_vocabulary_stably(string name)
    {
        var tokenizer = TextTokenizer.Create(name);
        const string text = "First Citizen:\nBefore we proceed any further, hear me speak — café, naïve, 東京.\n";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.Equal(tokenizer.VocabularyHash, TextTokenizer.Create(name).VocabularyHash);
        Assert.NotEqual(TextTokenizer.Create("gpt2").VocabularyHash, TextTokenizer.Create("cl100k").VocabularyHash);
        Assert.NotNull(tokenizer.EndOfText);
        Assert.Equal(tokenizer.VocabularyHash, TextTokenizer.From(new TokenizerInfo(name) { VocabularyHash = tokenizer.VocabularyHash }, "test").VocabularyHash);
        var e = Assert.Throws<RunSetupException>(() => TextTokenizer.From(new TokenizerInfo(name) { VocabularyHash = new string('0', 64) }, "data"));
        Assert.Contains($"data: the tokenizer {name} here has vocabulary SHA-256", e.Message);
    }

    [Fact]
    public void Char_tokenizers_round_trip_and_refuse_characters_outside_their_vocabulary()
    {
        var tokenizer = TextTokenizer.From(new TokenizerInfo("char") { Characters = "\n abdenr" }, "test");
        Assert.Equal(new[] { 3, 2, 6, 2, 6, 2, 1, 3, 7, 5, 2, 4, 0 }, tokenizer.Encode("banana bread\n"));
        Assert.Equal("banana bread\n", tokenizer.Decode(tokenizer.Encode("banana bread\n")));
        var e = Assert.Throws<RunSetupException>(() => tokenizer.Encode("bananas"));
        Assert.Contains("the character 's' (U+0073), which is not in this char vocabulary of 8 characters", e.Message);
        Assert.Throws<RunSetupException>(() => TextTokenizer.From(new TokenizerInfo("char"), "test"));
    }

    [Fact]
    public void A_sentencepiece_model_file_round_trips_and_a_file_that_is_not_one_is_refused()
    {
        using var dir = new TempDirectory();
        var model = Path.Combine(dir.Path, "banana.model");
        File.WriteAllBytes(model, SentencePieceModels.Banana());

        var tokenizer = TextTokenizer.Create(model);

        Assert.Equal("sentencepiece", tokenizer.Name);
        Assert.Equal(27, tokenizer.VocabularySize);
        Assert.Equal(2, tokenizer.EndOfText);
        var ids = tokenizer.Encode("banana bread");
        Assert.True(ids.Count < "banana bread".Length, $"merges apply: {string.Join(",", ids)}");
        Assert.Equal("banana bread", tokenizer.Decode(ids));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(model))), tokenizer.VocabularyHash);

        var bogus = dir.File("bogus.model", "this is not a protobuf model");
        var e = Assert.Throws<RunSetupException>(() => TextTokenizer.Create(bogus));
        Assert.Contains("is not a SentencePiece model file", e.Message);
        var missing = Assert.Throws<RunSetupException>(() => TextTokenizer.From(new TokenizerInfo("sentencepiece") { ModelFile = Path.Combine(dir.Path, "gone.model") }, "CHECKPOINT x"));
        Assert.Contains("CHECKPOINT x: the tokenizer is the SentencePiece model file", missing.Message);
        Assert.Contains("cannot be found", missing.Message);
    }

    [Fact]
    public void An_unknown_tokenizer_name_suggests_the_closest()
    {
        var e = Assert.Throws<RunSetupException>(() => TextTokenizer.Create("gpt-2"));
        Assert.Contains("unknown tokenizer 'gpt-2'", e.Message);
        Assert.Contains("gpt2", e.Message);
    }
}
