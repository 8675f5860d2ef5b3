using Forge.Core.Composition;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>The held-out loss: the mean loss over the dataset's evaluation batches, weighted by predictions, in eval mode without gradients.</summary>
public static class Evaluation
{
    public static double HeldOutLoss(Experiment experiment, int batchSize, int batches) => HeldOutLoss(experiment, experiment.Dataset, batchSize, batches);

    /// <summary>The mean loss of <paramref name="experiment"/>'s model over <paramref name="dataset"/>'s evaluation batches.</summary>
    public static double HeldOutLoss(Experiment experiment, Forge.Abstractions.Data.IDatasetPlugin dataset, int batchSize, int batches)
    {
        experiment.Model.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long count = 0;
            foreach (var batch in dataset.EvaluationBatches(batchSize, batches))
            {
                using var scope = NewDisposeScope();
                using (batch)
                {
                    var loss = LossFunction.Compute(experiment, experiment.Model.call(batch.Inputs), batch.Targets);
                    total += loss.item<float>() * batch.Predictions;
                    count += batch.Predictions;
                }
            }
            return total / count;
        }
        finally
        {
            experiment.Model.train();
        }
    }
}
