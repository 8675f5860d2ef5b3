namespace Forge.Abstractions.Data;

/// <summary>The shapes a dataset produces, so a model can be built to fit it.</summary>
/// <param name="Task">What is predicted (and so which loss applies).</param>
/// <param name="InputFeatures">Length of a real-valued input vector; 0 when inputs are token indices.</param>
/// <param name="VocabularySize">Number of distinct input tokens; 0 when inputs are real-valued.</param>
/// <param name="Outputs">Regression targets, classes, or vocabulary size for language modeling.</param>
/// <param name="SequenceLength">Tokens per example for sequence data; 0 otherwise.</param>
public sealed record DataDescription(TaskKind Task, int InputFeatures, int VocabularySize, int Outputs, int SequenceLength)
{
    /// <summary>True when inputs are token indices (an embedding is needed) rather than feature vectors.</summary>
    public bool HasTokenInputs => VocabularySize > 0;

    /// <summary>The tokenizer behind a language-modeling dataset's tokens, when the dataset knows it (added in 1.2).</summary>
    public TokenizerInfo? Tokenizer { get; init; }

    /// <summary>
    /// UTF-8 bytes of text per held-out token, when the dataset knows it, so a loss in nats per token converts to bits
    /// per byte and models with different tokenizers compare (added in 1.2).
    /// </summary>
    public double? HeldOutBytesPerToken { get; init; }

    /// <summary>The images behind flat feature inputs, when the dataset is one of images (added in 1.2).</summary>
    public ImageShape? Image { get; init; }

    /// <summary>
    /// How many distinct training examples there are, when the dataset has a finite set of them (added in 1.2). The host
    /// refuses a <c>training.batchSize</c> larger than this before training starts.
    /// </summary>
    public long? TrainingExamples { get; init; }
}
