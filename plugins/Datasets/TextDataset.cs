using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// <c>text</c>: character-level language modeling on a text file. The vocabulary is the file's distinct characters
/// (sorted); the first (1 − validationFraction) of the text is for training, the rest is held out (the split of
/// nanoGPT's shakespeare_char). Training windows of <c>context</c> characters start at uniformly random positions;
/// targets are the inputs shifted by one. Held-out windows are fixed for the run. It describes its tokenizer as
/// <c>char</c> with its characters, so a trained model's outputs decode without the file.
/// </summary>
[ForgePlugin<TextOptions>("text", Description = "Character-level language modeling on a text file")]
public sealed class TextDataset : IDatasetPlugin, IDisposable
{
    private readonly int _context;
    private readonly Device _device;
    private readonly Tensor _train;
    private readonly Tensor _validation;

    public TextDataset(TextOptions options, IRunEnvironment environment)
    {
        var path = environment.ResolvePath(options.Path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginException($"data.path: cannot read the text file '{path}' ({e.Message}). Point data.path at an existing UTF-8 text file; relative paths are taken from the spec's folder ({environment.SpecDirectory}).", e);
        }

        Vocabulary = text.Distinct().Order().ToArray();
        var index = Vocabulary.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => (long)p.i);
        var tokens = text.Select(c => index[c]).ToArray();
        int validationLength = (int)(tokens.Length * options.ValidationFraction);
        int trainLength = tokens.Length - validationLength;
        int needed = options.Context + 1;
        if (trainLength < needed || validationLength < needed)
            throw new PluginException($"data.path: '{path}' has {tokens.Length} characters, too few for windows of data.context = {options.Context} in both the training part ({trainLength}) and the held-out part ({validationLength}); use a longer file, a smaller context, or a different validationFraction.");

        _context = options.Context;
        _device = environment.Device;
        _train = tensor(tokens[..trainLength]).to(_device).DetachFromDisposeScope();
        _validation = tensor(tokens[trainLength..]).to(_device).DetachFromDisposeScope();
        Description = new DataDescription(TaskKind.LanguageModeling, InputFeatures: 0, VocabularySize: Vocabulary.Count,
            Outputs: Vocabulary.Count, SequenceLength: options.Context)
        {
            Tokenizer = new TokenizerInfo("char") { Characters = new string(Vocabulary.ToArray()) },
            HeldOutBytesPerToken = (double)System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(trainLength)) / validationLength,
        };
    }

    /// <summary>The characters, in token order.</summary>
    public IReadOnlyList<char> Vocabulary { get; }

    /// <inheritdoc />
    public DataDescription Description { get; }

    /// <inheritdoc />
    public Batch NextTrainingBatch(int batchSize, Generator generator) => Windows(_train, batchSize, generator);

    /// <inheritdoc />
    public IEnumerable<Batch> EvaluationBatches(int batchSize, int count) => HeldOutWindows.Batches(count, generator => Windows(_validation, batchSize, generator));

    private Batch Windows(Tensor source, int batchSize, Generator generator)
    {
        using var scope = NewDisposeScope();
        var starts = randint(source.shape[0] - _context, new long[] { batchSize, 1 }, generator: generator).to(_device);
        var positions = starts + arange(_context, device: _device).unsqueeze(0);
        var inputs = source.index_select(0, positions.flatten()).view(batchSize, _context);
        var targets = source.index_select(0, (positions + 1).flatten()).view(batchSize, _context);
        return new Batch(inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _train.Dispose();
        _validation.Dispose();
    }
}
