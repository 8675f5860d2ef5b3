using System.Runtime.CompilerServices;
using Forge.Abstractions.Data;
using Forge.Core.Corpora;
using Forge.Core.Errors;

namespace Forge.Core.Checkpoints;

/// <summary>
/// The tokenizer of a language-modeling run as its checkpoints record it: name, version, vocabulary size and hash,
/// and what rebuilding it takes (char's characters, a SentencePiece model file's path), so <c>forge eval</c> and
/// <c>forge sample</c> need nothing else.
/// </summary>
public sealed record CheckpointTokenizer(string Name, string Version, int VocabularySize, string VocabularyHash)
{
    private static readonly ConditionalWeakTable<TokenizerInfo, CheckpointTokenizer> Described = new();

    /// <summary>char: the characters in token order.</summary>
    public string? Characters { get; init; }

    /// <summary>sentencepiece: the model file's full path.</summary>
    public string? ModelFile { get; init; }

    /// <summary>How a dataset would name this tokenizer.</summary>
    public TokenizerInfo ToInfo() => new(Name) { Characters = Characters, ModelFile = ModelFile, VocabularyHash = VocabularyHash };

    /// <summary>
    /// The record of the tokenizer <paramref name="info"/> names (built once per description), or null when there is
    /// none or it cannot be built (then the checkpoint says nothing, and sampling from it says why).
    /// </summary>
    public static CheckpointTokenizer? Of(TokenizerInfo? info)
    {
        if (info is null)
            return null;
        if (Described.TryGetValue(info, out var known))
            return known;
        try
        {
            var tokenizer = TextTokenizer.From(info, "data");
            var record = new CheckpointTokenizer(tokenizer.Name, tokenizer.Version, tokenizer.VocabularySize, tokenizer.VocabularyHash)
            {
                Characters = tokenizer.Info.Characters,
                ModelFile = tokenizer.Info.ModelFile,
            };
            Described.AddOrUpdate(info, record);
            return record;
        }
        catch (RunSetupException)
        {
            return null;
        }
    }
}
