using System.Text.Json;
using System.Text.Json.Serialization;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>
/// <c>meta.json</c> beside prepared token files: the tokenizer, its vocabulary size, the token type and how many tokens
/// each file holds (written by <c>forge prepare</c>; also easy to write by hand for nanoGPT or llm.c files).
/// </summary>
public sealed record TokenMetadata
{
    /// <summary>The tokenizer's name (e.g. <c>gpt2</c>, <c>char</c>).</summary>
    public string? Tokenizer { get; init; }

    /// <summary><c>char</c>: the characters in token order.</summary>
    public string? Vocabulary { get; init; }

    /// <summary><c>sentencepiece</c>: the model file's full path.</summary>
    public string? TokenizerModel { get; init; }

    /// <summary>SHA-256 (hex) of the tokenizer's vocabulary.</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>UTF-8 bytes of the text val.bin encodes, when recorded.</summary>
    public long? ValBytes { get; init; }

    /// <summary>Number of distinct token ids.</summary>
    public int VocabSize { get; init; }

    /// <summary><c>uint16</c> or <c>uint32</c>.</summary>
    public string Dtype { get; init; } = "uint16";

    /// <summary>Tokens in train.bin, when recorded.</summary>
    public long? TrainTokens { get; init; }

    /// <summary>Tokens in val.bin, when recorded.</summary>
    public long? ValTokens { get; init; }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads <paramref name="path"/>; a file that is not such a JSON object is a <see cref="PluginException"/> naming it.</summary>
    public static TokenMetadata Read(string path)
    {
        TokenMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<TokenMetadata>(File.ReadAllText(path), Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new PluginException($"data: cannot read '{path}' ({e.Message.Split('\n')[0]}). It must be a JSON object like {{ \"tokenizer\": \"gpt2\", \"vocabSize\": 50257, \"dtype\": \"uint16\" }}.", e);
        }
        if (metadata is not null && metadata.VocabSize <= 0 && metadata.Tokenizer is { } name && Forge.Abstractions.Data.TokenizerInfo.KnownVocabularySize(name) is { } known)
            metadata = metadata with { VocabSize = known };
        if (metadata is null || metadata.VocabSize <= 0)
            throw new PluginException($"data: '{path}' gives no vocabSize (a positive number of token ids); add it, e.g. \"vocabSize\": 50257 for GPT-2's tokenizer.");
        if (metadata.Dtype is not ("uint16" or "uint32"))
            throw new PluginException($"data: '{path}' gives dtype \"{metadata.Dtype}\"; token files are uint16 or uint32.");
        return metadata;
    }

    /// <summary>Bytes per token of raw files.</summary>
    [JsonIgnore]
    public int BytesPerToken => Dtype == "uint32" ? 4 : 2;
}
