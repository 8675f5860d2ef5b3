using Forge.Abstractions.Data;
using TorchSharp;

namespace Forge.Core.Inference;

/// <summary>
/// A stand-in for a run's dataset that only describes its shapes, as the checkpoint recorded them: enough to build the
/// model (for <c>forge sample</c>, and for <c>forge eval</c> on other data) when the training data is not at hand.
/// </summary>
internal sealed class RecordedData(DataDescription description) : IDatasetPlugin
{
    public DataDescription Description { get; } = description;

    public Batch NextTrainingBatch(int batchSize, torch.Generator generator) =>
        throw new InvalidOperationException("a model rebuilt from a checkpoint has no training data.");

    public IEnumerable<Batch> EvaluationBatches(int batchSize, int count) =>
        throw new InvalidOperationException("a model rebuilt from a checkpoint has no held-out data; evaluate on a dataset.");
}
