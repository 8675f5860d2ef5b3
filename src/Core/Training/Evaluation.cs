using Forge.Core.Composition;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// The held-out loss: the mean loss over the dataset's evaluation batches, weighted by predictions, in eval mode
/// without gradients; for classification also the top-1 accuracy over the same examples.
/// </summary>
public static class Evaluation
{
    public static double HeldOutLoss(Experiment experiment, int batchSize, int batches) => HeldOut(experiment, experiment.Dataset, batchSize, batches).Loss;

    /// <summary>The held-out loss and accuracy of <paramref name="experiment"/>'s model over its dataset's evaluation batches.</summary>
    public static HeldOutResult HeldOut(Experiment experiment, int batchSize, int batches) => HeldOut(experiment, experiment.Dataset, batchSize, batches);

    /// <summary>The mean loss (and, for classification, the top-1 accuracy) of <paramref name="experiment"/>'s model over <paramref name="dataset"/>'s evaluation batches.</summary>
    public static HeldOutResult HeldOut(Experiment experiment, Forge.Abstractions.Data.IDatasetPlugin dataset, int batchSize, int batches)
    {
        bool classification = dataset.Description.Task == Forge.Abstractions.Data.TaskKind.Classification;
        experiment.Model.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long count = 0, correct = 0;
            foreach (var batch in dataset.EvaluationBatches(batchSize, batches))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    var output = experiment.Model.call(batch.Inputs);
                    var loss = LossFunction.Compute(experiment, output, batch.Targets);
                    total += loss.item<float>() * batch.Predictions;
                    count += batch.Predictions;
                    if (classification)
                        correct += Accuracy.Correct(output, batch.Targets).item<long>();
                }
            }
            return new HeldOutResult(total / count, classification ? (double)correct / count : null);
        }
        finally
        {
            experiment.Model.train();
        }
    }
}
