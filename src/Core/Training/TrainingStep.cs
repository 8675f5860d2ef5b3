using System.Diagnostics;
using Forge.Abstractions.Data;
using Forge.Core.Composition;
using Forge.Core.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// One update, the core of the loop: the learning rates of the step, then, inside one dispose scope, a batch, forward,
/// loss, backward (once per micro-batch of this rank's part of the batch), the gradients made the whole batch's
/// (<see cref="GradientReducer"/>: over ranks and micro-batches), the gradient norm, clipping and the optimizer step.
/// Values are read back from the device only when the step is logged and, when the guard asks for it, one finite flag
/// per step; the loss read back is the mean over micro-batches and ranks.
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly Experiment _experiment;
    private readonly TrainingOptions _options;
    private readonly bool _checkEveryStep;
    private readonly bool _classification; // logged steps count the batch's correct predictions
    private readonly IReadOnlyList<optim.ILearningRateController> _groups;
    private readonly double[] _initialRates;
    private readonly IReadOnlyList<Parameter> _trainable;
    private readonly GradientReducer _reducer;
    private readonly Distributed.ICollective _collective;
    private readonly Scalar _microBatches;
    private readonly ParameterSync? _sync;

    /// <param name="experiment">What is trained.</param>
    /// <param name="checkEveryStep">Whether every step's loss and gradient norm are checked for NaN/Inf (the skip and rollback guards).</param>
    public TrainingStep(Experiment experiment, bool checkEveryStep)
    {
        _experiment = experiment;
        _options = experiment.Spec.Experiment.Training;
        _classification = experiment.Dataset.Description.Task == TaskKind.Classification;
        _checkEveryStep = checkEveryStep;
        _groups = experiment.Optimizer.ParamGroups.ToList();
        _initialRates = _groups.Select(g => g.InitialLearningRate).ToArray(); // per-group rates set by the parametrization
        _trainable = experiment.Trainable;
        _collective = experiment.Environment.Collective;
        // Under training.sync the ranks train on their own between synchronisations: gradients combine over micro-batches only.
        _sync = _options.Sync is { } sync ? new ParameterSync(_trainable, _collective, sync) : null;
        _reducer = new GradientReducer(_trainable, experiment.Reductions, _sync is null ? _collective : Distributed.SingleProcess.Instance, _options.MicroBatches);
        _microBatches = ((double)_options.MicroBatches).ToScalar();
    }

    /// <summary>Seconds this step's all-reduces of gradients and parameters took so far.</summary>
    private double CommunicationSeconds => _reducer.CommunicationSeconds + (_sync?.CommunicationSeconds ?? 0);

    /// <summary>Under <c>training.sync</c>: the synchronisation of the ranks' parameters (null otherwise).</summary>
    public ParameterSync? Sync => _sync;

    /// <summary>The optimizer's parameter groups, in order.</summary>
    public IReadOnlyList<optim.ILearningRateController> Groups => _groups;

    /// <summary>
    /// Runs update <paramref name="plan"/> with every group's learning rate at its initial rate times
    /// <paramref name="factor"/> (the schedule's factor and the guard's cuts), drawing the batch from
    /// <paramref name="data"/>; <paramref name="probe"/> observes its phases.
    /// </summary>
    public StepResult Run(StepPlan plan, double factor, Generator data, IStepProbe? probe)
    {
        for (int g = 0; g < _groups.Count; g++)
            _groups[g].LearningRate = _initialRates[g] * factor;
        long start = Stopwatch.GetTimestamp();
        double communicationBefore = CommunicationSeconds;
        float loss = float.NaN, gradNorm = float.NaN;
        double? accuracy = null;
        bool finite = true;
        long examples, predictions;
        using (var scope = NewDisposeScope())
        {
            using var batch = _experiment.Dataset.NextTrainingBatch(_options.BatchSize, data);
            (examples, predictions) = (batch.Examples, batch.Predictions);
            _experiment.Optimizer.zero_grad();
            Tensor? lossTensor = null, correct = null;
            bool countCorrect = plan.Logged && _classification;
            foreach (var part in BatchParts.Of(batch, _collective.Rank, _collective.Size, _options.MicroBatches))
            {
                var output = _experiment.Model.call(part.Inputs);
                if (lossTensor is null)
                    probe?.ForwardDone();
                if (countCorrect)
                    correct = correct is null ? Accuracy.Correct(output, part.Targets) : correct.add(Accuracy.Correct(output, part.Targets));
                var partLoss = LossFunction.Compute(_experiment, output, part.Targets);
                partLoss.backward();
                lossTensor = lossTensor is null ? partLoss.detach() : lossTensor.add(partLoss.detach());
            }
            if (_options.MicroBatches > 1)
                lossTensor = lossTensor!.div(_microBatches);
            _reducer.Reduce();
            probe?.GradientsReady();
            if (_collective.Size > 1 && (plan.Logged || _checkEveryStep))
                lossTensor = GradientReducer.MeanOverRanks(_collective, lossTensor!);
            Tensor? norm = _options.GradClip > 0 || plan.Logged || _checkEveryStep ? GradientNorm.Compute(_trainable) : null;
            // Under training.sync each rank clips by its own norm; the guard and the metric see the mean, the same everywhere.
            var reportedNorm = _sync is not null && _collective.Size > 1 && (plan.Logged || _checkEveryStep)
                ? GradientReducer.MeanOverRanks(_collective, norm!) : norm;
            if (_checkEveryStep)
                finite = (lossTensor!.isfinite() & reportedNorm!.isfinite()).all().item<bool>(); // the guard's one read-back per step
            if (finite)
            {
                if (_options.GradClip > 0)
                    GradientNorm.Clip(_trainable, norm!, _options.GradClip);
                _experiment.Optimizer.step();
                if (_sync?.Due(plan.Step) == true)
                    _sync.Synchronise();
                probe?.UpdateApplied(plan.Step);
            }
            if (plan.Logged || !finite)
            {
                loss = lossTensor!.item<float>();
                gradNorm = reportedNorm!.item<float>();
            }
            if (correct is not null)
            {
                var count = correct.to_type(ScalarType.Float64).cpu().contiguous(); // every rank's part, summed
                if (_collective.Size > 1)
                    _collective.AllReduceSum(count);
                accuracy = count.item<double>() / predictions;
            }
        }
        return new StepResult(examples, predictions, finite, loss, gradNorm, Stopwatch.GetElapsedTime(start).TotalSeconds,
            CommunicationSeconds - communicationBefore, accuracy);
    }

    public void Dispose()
    {
        _reducer.Dispose();
        _microBatches.Dispose();
        _sync?.Dispose();
    }
}
