using System.Diagnostics;
using static TorchSharp.torch;
using Forge.Core.Composition;

namespace Forge.Bench;

/// <summary>
/// The hand-written TorchSharp loop the framework tax is measured against: batch, forward, cross-entropy, backward,
/// AdamW step and the loss read back, every step inside a dispose scope, on the same data as Forge.
/// </summary>
public sealed class BareLoop : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly optim.Optimizer _optimizer;
    private readonly Experiment _experiment;
    private readonly Generator _generator = DataStreams.Training(2);

    public BareLoop(BenchModel model, Experiment experiment)
    {
        _experiment = experiment;
        _model = model.Bare(experiment.Dataset.Description.VocabularySize);
        _optimizer = optim.AdamW(_model.parameters(), 1e-3, weight_decay: 0);
    }

    /// <summary>Seconds of each of <paramref name="steps"/> steps.</summary>
    public IReadOnlyList<double> Run(int steps)
    {
        int batchSize = _experiment.Spec.Experiment.Training.BatchSize;
        var seconds = new List<double>(steps);
        for (int step = 0; step < steps; step++)
        {
            long start = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
            {
                using var batch = _experiment.Dataset.NextTrainingBatch(batchSize, _generator);
                _optimizer.zero_grad();
                var logits = _model.call(batch.Inputs);
                var loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), batch.Targets.reshape(-1));
                loss.backward();
                _optimizer.step();
                _ = loss.item<float>();
            }
            seconds.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return seconds;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _model.Dispose();
        _generator.Dispose();
    }
}
