using Forge.Abstractions.Data;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>A model built but not yet given an optimizer: what a starting point puts its weights into.</summary>
/// <param name="Spec">The spec it was built from.</param>
/// <param name="Model">The model.</param>
/// <param name="Parameters">Its trainable tensors.</param>
/// <param name="Ops">The ops it computes with (for the loss).</param>
/// <param name="Dataset">The spec's dataset (for a batch to compare on).</param>
public sealed record StartingModel(ResolvedSpec Spec, torch.nn.Module<torch.Tensor, torch.Tensor> Model, IReadOnlyList<ScaledParameter> Parameters,
    ModelOps Ops, IDatasetPlugin Dataset)
{
    /// <summary>The loss of the model on one batch.</summary>
    public torch.Tensor Loss(Batch batch) => LossFunction.Compute(Dataset.Description.Task, Ops, Model.call(batch.Inputs), batch.Targets);
}
