using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>Options of the <c>tokens</c> dataset.</summary>
public sealed class TokensOptions : IValidatableObject
{
    [Description("Folder with train.bin, val.bin and (optionally) meta.json; a relative path is taken from the spec file's folder.")]
    [SpecPath]
    public string? Path { get; set; }

    [Description("The training token file, instead of path/train.bin.")]
    [SpecPath]
    public string? Train { get; set; }

    [Description("The held-out token file, instead of path/val.bin.")]
    [SpecPath]
    public string? Val { get; set; }

    [Description("Tokens per training window (the model's context length).")]
    [Range(1, 1 << 20)]
    public int Context { get; set; } = 64;

    [Description("The tokenizer the files were encoded with, when there is no meta.json beside them: gpt2, r50k, cl100k or o200k (the vocabulary size follows), or a SentencePiece .model file (give vocabSize too). With meta.json it must agree with it.")]
    public string? Tokenizer { get; set; }

    [Description("Vocabulary size, when there is no meta.json beside the files (nanoGPT's prepare.py writes none for BPE: 50257 for GPT-2's tokenizer).")]
    [Range(1, int.MaxValue)]
    public int? VocabSize { get; set; }

    [Description("Token size of raw files without meta.json: uint16 (nanoGPT's) or uint32 (vocabularies above 65,535). llm.c files say their own.")]
    public TokenType Dtype { get; set; } = TokenType.Uint16;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Path is null && (Train is null || Val is null))
            yield return new ValidationResult("give path (a folder with train.bin and val.bin), or both train and val.", new[] { nameof(Path) });
    }
}

/// <summary>The element type of raw token files.</summary>
public enum TokenType
{
    /// <summary>Little-endian uint16 (nanoGPT's; vocabularies up to 65,535).</summary>
    Uint16,

    /// <summary>Little-endian uint32.</summary>
    Uint32,
}
