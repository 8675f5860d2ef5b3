using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// <c>tokens</c>: language modeling on prepared token files (<see cref="TokenFile"/>: nanoGPT's raw uint16/uint32
/// <c>.bin</c> or llm.c's format), never read whole. Training windows of <c>context + 1</c> tokens start at uniformly
/// random positions drawn from the host's data generator, whose state is in every checkpoint, so a resumed run
/// continues the same stream bit for bit; targets are the inputs shifted by one. Held-out windows of <c>val.bin</c>
/// are fixed for the run. The vocabulary size and tokenizer come from <c>meta.json</c> beside the files, or from
/// <c>tokenizer</c> / <c>vocabSize</c>;
/// every token is checked against it when the files are opened (one sequential read each).
/// </summary>
[ForgePlugin<TokensOptions>("tokens", Description = "Language modeling on token files (nanoGPT's .bin, llm.c's format)")]
public sealed class TokensDataset : IDatasetPlugin, IDisposable
{
    private readonly int _context;
    private readonly Device _device;
    private readonly TokenFile _train;
    private readonly TokenFile _validation;

    public TokensDataset(TokensOptions options, IRunEnvironment environment)
    {
        string? folder = options.Path is null ? null : environment.ResolvePath(options.Path);
        string trainPath = options.Train is null ? System.IO.Path.Combine(folder!, "train.bin") : environment.ResolvePath(options.Train);
        string valPath = options.Val is null ? System.IO.Path.Combine(folder!, "val.bin") : environment.ResolvePath(options.Val);
        string metaPath = System.IO.Path.Combine(folder ?? System.IO.Path.GetDirectoryName(trainPath)!, "meta.json");
        var metadata = File.Exists(metaPath) ? TokenMetadata.Read(metaPath) : null;
        var tokenizer = Tokenizer(options, metadata, metaPath, environment);
        int vocabulary = options.VocabSize ?? metadata?.VocabSize ?? (tokenizer is null ? null : TokenizerInfo.KnownVocabularySize(tokenizer.Name))
            ?? throw new PluginException($"data.vocabSize: there is no meta.json beside '{trainPath}', so the vocabulary size is unknown; name the tokenizer (data.tokenizer: \"gpt2\") or set data.vocabSize (50257 for GPT-2's tokenizer), or prepare the files with forge prepare, which writes meta.json.");
        if (metadata is not null && options.VocabSize is { } given && given != metadata.VocabSize)
            throw new PluginException($"data.vocabSize is {given}, but '{metaPath}' says {metadata.VocabSize}; remove data.vocabSize or correct meta.json.");
        int bytesPerToken = metadata?.BytesPerToken ?? (options.Dtype == TokenType.Uint32 ? 4 : 2);

        _train = TokenFile.Open(trainPath, bytesPerToken, options.Train is null ? "data.path" : "data.train");
        try
        {
            _validation = TokenFile.Open(valPath, bytesPerToken, options.Val is null ? "data.path" : "data.val");
        }
        catch
        {
            _train.Dispose();
            throw;
        }
        try
        {
            Check(_train, metadata?.TrainTokens, metaPath, vocabulary, options.Context);
            Check(_validation, metadata?.ValTokens, metaPath, vocabulary, options.Context);
        }
        catch
        {
            Dispose();
            throw;
        }
        _context = options.Context;
        _device = environment.Device;
        Description = new DataDescription(TaskKind.LanguageModeling, InputFeatures: 0, VocabularySize: vocabulary, Outputs: vocabulary, SequenceLength: options.Context)
        {
            Tokenizer = tokenizer,
            HeldOutBytesPerToken = metadata?.ValBytes is { } bytes && _validation.Count > 0 ? (double)bytes / _validation.Count : null,
        };
    }

    /// <inheritdoc />
    public DataDescription Description { get; }

    /// <inheritdoc />
    public Batch NextTrainingBatch(int batchSize, Generator generator) => Windows(_train, batchSize, generator);

    /// <inheritdoc />
    public IEnumerable<Batch> EvaluationBatches(int batchSize, int count) => HeldOutWindows.Batches(count, generator => Windows(_validation, batchSize, generator));

    /// <summary>The tokenizer meta.json or data.tokenizer names (they must agree), or null when neither does.</summary>
    private static TokenizerInfo? Tokenizer(TokensOptions options, TokenMetadata? metadata, string metaPath, IRunEnvironment environment)
    {
        string? named = options.Tokenizer;
        if (named is not null && (named.EndsWith(".model", StringComparison.OrdinalIgnoreCase) || named.Contains('/')))
            named = environment.ResolvePath(named);
        if (metadata?.Tokenizer is { } recorded)
        {
            string recordedName = recorded == "sentencepiece" ? metadata.TokenizerModel ?? recorded : recorded;
            if (named is not null && named != recordedName && named != recorded)
                throw new PluginException($"data.tokenizer is \"{options.Tokenizer}\", but '{metaPath}' says the files were encoded with \"{recordedName}\"; remove data.tokenizer or prepare the files again with the tokenizer you mean.");
            return new TokenizerInfo(recorded)
            {
                Characters = metadata.Vocabulary,
                ModelFile = metadata.TokenizerModel,
                VocabularyHash = metadata.VocabularyHash,
            };
        }
        if (named is null)
            return null;
        if (named == "char")
            throw new PluginException($"data.tokenizer is \"char\", but there is no meta.json beside the files ({metaPath}) to list the characters; prepare the files with forge prepare --tokenizer char, which writes it.");
        if (TokenizerInfo.KnownVocabularySize(named) is not null)
            return new TokenizerInfo(named);
        if (File.Exists(named))
            return new TokenizerInfo("sentencepiece") { ModelFile = System.IO.Path.GetFullPath(named) };
        throw new PluginException($"data.tokenizer: \"{options.Tokenizer}\" is neither a known tokenizer (gpt2, r50k, cl100k, o200k) nor an existing SentencePiece .model file; name one of those, or leave it out and give data.vocabSize.");
    }

    private static void Check(TokenFile file, long? recorded, string metaPath, int vocabulary, int context)
    {
        if (recorded is { } count && count != file.Count)
            throw new PluginException($"data: '{metaPath}' says {System.IO.Path.GetFileName(file.Path)} holds {count} tokens, but '{file.Path}' holds {file.Count}; the files and meta.json come from different preparations. Prepare them again.");
        if (file.Count < context + 1)
            throw new PluginException($"data: '{file.Path}' holds {file.Count} tokens, too few for windows of data.context + 1 = {context + 1}; use a larger corpus or a smaller context.");
        if (file.FirstTokenAtOrAbove(vocabulary) is { } bad)
            throw new PluginException($"data: '{file.Path}' has token id {bad.Value} at token {bad.Index} (byte {file.HeaderBytes + bad.Index * file.BytesPerToken}), not below the vocabulary size {vocabulary}; the file was prepared with another tokenizer, or the vocabulary size is wrong.");
    }

    private Batch Windows(TokenFile file, int batchSize, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var starts = randint(file.Count - _context, new long[] { batchSize }, generator: generator);
        var positions = starts.data<long>().ToArray();
        int window = _context + 1;
        var tokens = new long[batchSize * window];
        for (int b = 0; b < batchSize; b++)
            file.Read(positions[b], tokens.AsSpan(b * window, window));
        var all = tensor(tokens, new long[] { batchSize, window });
        var inputs = all[.., ..^1].contiguous().to(_device);
        var targets = all[.., 1..].contiguous().to(_device);
        return new Batch(inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _train.Dispose();
        _validation?.Dispose();
    }
}
