namespace Forge.Abstractions.Data;

/// <summary>
/// The tokenizer that turned text into a language-modeling dataset's tokens, as the dataset knows it, so Forge can
/// record it in checkpoints, decode what a trained model writes and refuse data encoded another way. Forge itself
/// holds the tokenizers: a dataset only names one. Added in 1.2.
/// </summary>
/// <param name="Name">
/// <c>char</c> (with <see cref="Characters"/>), one of the tiktoken encodings <c>gpt2</c>, <c>r50k</c>, <c>cl100k</c>,
/// <c>o200k</c>, or <c>sentencepiece</c> (with <see cref="ModelFile"/>).
/// </param>
public sealed record TokenizerInfo(string Name)
{
    /// <summary><c>char</c>: the characters in token order (token i is <c>Characters[i]</c>).</summary>
    public string? Characters { get; init; }

    /// <summary><c>sentencepiece</c>: the full path of the model file (a SentencePiece <c>.model</c>, such as Llama's).</summary>
    public string? ModelFile { get; init; }

    /// <summary>SHA-256 (hex) of the vocabulary as <c>forge prepare</c> recorded it, when known; Forge checks it against the tokenizer it builds.</summary>
    public string? VocabularyHash { get; init; }

    /// <summary>The number of token ids of the tiktoken encoding <paramref name="name"/> (its largest id plus one), or null for other names.</summary>
    public static int? KnownVocabularySize(string name) => name switch
    {
        "gpt2" or "r50k" => 50257,
        "cl100k" => 100277,
        "o200k" => 200019,
        _ => null,
    };
}
