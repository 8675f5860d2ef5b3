using TorchSharp;

namespace Forge.Abstractions.Data;

/// <summary>
/// A dataset plugin: a deterministic source of training batches and a fixed held-out set. Mark the class with
/// <see cref="Plugins.ForgePluginAttribute{TOptions}"/>; its constructor may take its options,
/// <see cref="Plugins.IRunEnvironment"/> and an <c>ILogger&lt;T&gt;</c>.
/// </summary>
public interface IDatasetPlugin
{
    /// <summary>The shapes this dataset produces.</summary>
    DataDescription Description { get; }

    /// <summary>
    /// Samples one training batch. All randomness must come from <paramref name="generator"/> (owned by the host,
    /// seeded from the spec), so the same seed gives the same batches and a resumed run continues the same stream.
    /// </summary>
    Batch NextTrainingBatch(int batchSize, torch.Generator generator);

    /// <summary>
    /// The held-out batches used for evaluation: the same <paramref name="count"/> batches every time it is called,
    /// disjoint from the training data.
    /// </summary>
    IEnumerable<Batch> EvaluationBatches(int batchSize, int count);
}
