using System.Diagnostics;
using Forge.Abstractions.Data;
using Forge.Host.Checkpoints;
using Forge.Host.Console;
using Forge.Host.Diagnostics;
using Forge.Host.Specs;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Host.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
internal sealed record TrainingResult(RunStatus Status, TrainingPosition Position, string? Error)
{
    public int Steps => Position.Step;

    /// <summary>Under a rounding precision policy: what it did at the last logged step.</summary>
    public RoundingSummary? Rounding { get; init; }

    /// <summary>The newest checkpoint written (or resumed from), if any.</summary>
    public string? LastCheckpoint { get; init; }

    /// <summary>On divergence: the tensors whose gradients (or values) were NaN or infinite.</summary>
    public IReadOnlyList<string>? NonFiniteTensors { get; init; }

    /// <summary>Checkpoints that could not be written (disk full, no permission); the previous one was kept each time.</summary>
    public int CheckpointFailures { get; init; }
}

/// <summary>
/// The training loop. Every update runs inside its own dispose scope; values are read back from the device only at
/// logged steps (and, under the skip and rollback guards, one flag per step). Deterministic on CPU for a fixed seed
/// and thread count: init and data come from seeded generators, and a run resumed from a checkpoint continues bit for
/// bit. Checkpoints are written at the configured interval, at the end, and when the run is interrupted.
/// </summary>
internal sealed class Trainer(ILogger<Trainer> logger)
{
    public TrainingResult Train(Experiment experiment, MetricsWriter metrics, ITrainingProgress progress, CancellationToken cancellationToken,
        Telemetry.TrainingMetrics? telemetry = null, CheckpointStore? checkpoints = null, LoadedCheckpoint? resumeFrom = null)
    {
        var loop = new LoopState { Position = new TrainingPosition(), LastCheckpoint = resumeFrom?.Folder };
        try
        {
            return Loop(experiment, metrics, progress, loop, telemetry, checkpoints, resumeFrom, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Training failed after {Steps} steps", loop.Position.Step); // the stack trace, with --verbose
            return loop.Result(RunStatus.Failed, $"Training failed after {loop.Position.Step} steps: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>What the loop has seen so far, kept outside it so a failure can still be summarised.</summary>
    private sealed class LoopState
    {
        public required TrainingPosition Position;
        public RoundingSummary? Rounding;
        public string? LastCheckpoint;
        public int LastCheckpointStep = -1;
        public int CheckpointFailures;
        public IReadOnlyList<string>? NonFiniteTensors;

        public TrainingResult Result(RunStatus status, string? error) => new(status, Position, error)
        {
            Rounding = Rounding,
            LastCheckpoint = LastCheckpoint,
            NonFiniteTensors = NonFiniteTensors,
            CheckpointFailures = CheckpointFailures,
        };
    }

    private TrainingResult Loop(Experiment experiment, MetricsWriter metrics, ITrainingProgress progress, LoopState loop,
        Telemetry.TrainingMetrics? telemetry, CheckpointStore? checkpoints, LoadedCheckpoint? resumeFrom, CancellationToken cancellationToken)
    {
        telemetry?.Started(experiment.ParameterCount);
        var options = experiment.Spec.Spec.Training;
        var guard = experiment.Spec.Spec.Guard;
        var task = experiment.Dataset.Description.Task;
        var schedule = new LearningRateSchedule(options.Schedule, options.Steps);
        var groups = experiment.Optimizer.ParamGroups.ToList();
        var initialRates = groups.Select(g => g.InitialLearningRate).ToArray(); // per-group rates set by the parametrization
        var trainable = experiment.Trainable;
        var groupRoles = GroupRoles(experiment, groups);
        var rounding = experiment.Precision as Forge.Abstractions.Precision.IRoundingStatistics;
        bool checkEveryStep = guard.OnNonFinite != NonFinitePolicy.Stop;
        using var dataGenerator = ExperimentBuilder.DataGenerator(experiment.Spec.Spec.Seed);
        var layerOptions = experiment.Spec.Spec.Metrics.Layers;
        using var diagnostics = layerOptions.Interval > 0 ? new LayerDiagnostics(experiment, layerOptions) : null;

        if (resumeFrom is not null)
        {
            loop.Position = TrainingCheckpoint.Restore(resumeFrom, experiment, dataGenerator);
            loop.LastCheckpointStep = loop.Position.Step;
            logger.LogInformation("Resumed from {Checkpoint} at step {Step}", resumeFrom.Folder, loop.Position.Step);
        }
        else
            loop.Position.InitialEvalLoss = Evaluate(experiment, options.BatchSize, options.EvalBatches);
        if ((loop.Position.LastEvalLoss ?? loop.Position.InitialEvalLoss) is { } knownEval)
            telemetry?.Evaluated(knownEval);

        void Checkpoint()
        {
            var position = loop.Position;
            if (checkpoints is not { Enabled: true } || position.Step == loop.LastCheckpointStep || position.Step == 0)
                return;
            try
            {
                loop.LastCheckpoint = TrainingCheckpoint.Save(checkpoints, experiment, position, schedule.Factor(Math.Max(0, position.Step - 1)), dataGenerator);
                loop.LastCheckpointStep = position.Step;
                telemetry?.Checkpointed();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                loop.CheckpointFailures++;
                logger.LogWarning("Could not write the checkpoint at step {Step} ({Message}); the previous one ({Previous}) is kept and training goes on.",
                    position.Step, e.Message, loop.LastCheckpoint ?? "none");
            }
        }

        var stepClock = new Stopwatch();
        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        long intervalExamples = 0, intervalPredictions = 0;
        int consecutiveSkips = 0;

        while (loop.Position.Step < options.Steps)
        {
            var position = loop.Position;
            if (cancellationToken.IsCancellationRequested)
            {
                Checkpoint();
                return loop.Result(RunStatus.Interrupted, $"Interrupted after {position.Step} of {options.Steps} steps; run the same command again to continue from the checkpoint.");
            }

            int completed = position.Step + 1;
            bool evaluate = completed == options.Steps || (options.EvalInterval > 0 && completed % options.EvalInterval == 0);
            bool log = evaluate || completed % options.LogInterval == 0;
            double factor = schedule.Factor(position.Step) * position.LearningRateScale;
            for (int g = 0; g < groups.Count; g++)
                groups[g].LearningRate = initialRates[g] * factor;

            float loss = float.NaN, gradNorm = float.NaN;
            bool finite = true;
            LayerRecord? layers = null;
            long examples, predictions;
            stepClock.Restart();
            if (rounding is not null)
                rounding.Counting = log; // counting reads values back: only on the steps that are logged
            using (var scope = NewDisposeScope())
            {
                using var batch = experiment.Dataset.NextTrainingBatch(options.BatchSize, dataGenerator);
                (examples, predictions) = (batch.Examples, batch.Predictions);
                experiment.Optimizer.zero_grad();
                using var measurement = diagnostics?.IsDue(completed) == true ? diagnostics.Begin() : null;
                var output = experiment.Model.call(batch.Inputs);
                measurement?.ForwardDone();
                var lossTensor = LossFunction.Compute(experiment, output, batch.Targets);
                lossTensor.backward();
                measurement?.GradientsReady();
                Tensor? norm = options.GradClip > 0 || log || checkEveryStep ? GradientNorm.Compute(trainable) : null;
                if (checkEveryStep)
                    finite = (lossTensor.isfinite() & norm!.isfinite()).all().item<bool>(); // the guard's one read-back per step
                if (finite)
                {
                    if (options.GradClip > 0)
                        GradientNorm.Clip(trainable, norm!, options.GradClip);
                    experiment.Optimizer.step();
                    layers = measurement?.Finish(completed);
                }
                if (log || !finite)
                {
                    loss = lossTensor.item<float>();
                    gradNorm = norm!.item<float>();
                }
            }

            if (!finite && guard.OnNonFinite == NonFinitePolicy.Rollback)
            {
                var outcome = RollBack(experiment, loop, checkpoints, guard, dataGenerator, completed, loss, gradNorm);
                if (outcome is not null)
                {
                    telemetry?.Diverged();
                    return outcome;
                }
                telemetry?.RolledBack();
                continue;
            }

            position.Step = completed;
            position.Samples += examples;
            position.Tokens += task == TaskKind.LanguageModeling ? predictions : 0;
            intervalExamples += examples;
            intervalPredictions += predictions;
            telemetry?.Step(stepClock.Elapsed.TotalSeconds, examples, predictions);
            if (!finite)
            {
                position.SkippedUpdates++;
                telemetry?.Skipped();
                logger.LogWarning("Skipped update {Step}: loss {Loss}, gradient norm {Norm} (guard.onNonFinite = skip; {Count} in a row).", completed, loss, gradNorm, consecutiveSkips + 1);
                if (++consecutiveSkips >= guard.MaxConsecutiveSkips)
                {
                    telemetry?.Diverged();
                    loop.NonFiniteTensors = NonFiniteTensors(experiment);
                    return loop.Result(RunStatus.Diverged, $"Training diverged: {consecutiveSkips} updates in a row were skipped for NaN/Inf (up to step {completed}). Lower optimizer.lr or add warmup.");
                }
                continue;
            }
            consecutiveSkips = 0;

            if (layers is not null)
            {
                metrics.WriteLayers(layers);
                telemetry?.Layers(layers);
            }
            if (!log)
            {
                if (checkpoints?.IsDue(completed) == true)
                    Checkpoint();
                continue;
            }
            var roundingCounts = rounding?.Collect();
            var roundingStep = roundingCounts is null ? null : RoundingSummary.From(completed, roundingCounts);
            if (rounding is not null)
                rounding.Counting = false;
            if (roundingCounts is { Count: > 0 })
                loop.Rounding = roundingStep;

            position.LastTrainLoss = loss;
            if (!float.IsFinite(loss) || !float.IsFinite(gradNorm))
            {
                loop.NonFiniteTensors = NonFiniteTensors(experiment);
                var culprits = loop.NonFiniteTensors.Count == 0 ? "" : $" Non-finite gradients or weights in: {string.Join(", ", loop.NonFiniteTensors.Take(8))}{(loop.NonFiniteTensors.Count > 8 ? ", ..." : "")}.";
                var error = $"Training diverged at step {completed}: loss {loss}, gradient norm {gradNorm}.{culprits} Lower optimizer.lr, add warmup (training.schedule.warmupSteps) or clipping (training.gradClip), or set guard.onNonFinite to skip or rollback.";
                logger.LogWarning("{Error}", error);
                telemetry?.Diverged();
                return loop.Result(RunStatus.Diverged, error);
            }
            bool spike = LossSpike.Observe(position, loss, guard);
            if (spike)
            {
                telemetry?.Spiked();
                logger.LogWarning("Loss spike at step {Step}: {Loss:F4}, more than {Ratio}x the median of the previous {Window} logged losses.", completed, loss, guard.SpikeRatio, guard.SpikeWindow);
            }
            double? evalLoss = null;
            IReadOnlyDictionary<string, double>? weightNorms = null, adamEffectiveLr = null;
            if (evaluate)
            {
                weightNorms = RoleStatistics.WeightNorms(experiment);
                adamEffectiveLr = RoleStatistics.AdamEffectiveLearningRates(experiment);
                telemetry?.RoleStatistics(weightNorms, adamEffectiveLr);
                evalLoss = Evaluate(experiment, options.BatchSize, options.EvalBatches);
                position.LastEvalLoss = evalLoss;
                telemetry?.Evaluated(evalLoss.Value);
                if (position.BestEvalLoss is null || evalLoss < position.BestEvalLoss)
                {
                    position.BestEvalLoss = evalLoss;
                    position.BestEvalStep = completed;
                }
            }
            double seconds = Math.Max(intervalClock.Elapsed.TotalSeconds, 1e-9);
            double learningRate = experiment.OptimizerPlugin.LearningRate * factor;
            double? tokensPerSecond = task == TaskKind.LanguageModeling ? intervalPredictions / seconds : null;
            metrics.Write(new MetricRecord
            {
                Step = completed,
                Loss = loss,
                Lr = learningRate,
                GradNorm = gradNorm,
                ExamplesPerSecond = intervalExamples / seconds,
                TokensPerSecond = tokensPerSecond,
                EvalLoss = evalLoss,
                Samples = position.Samples,
                Tokens = task == TaskKind.LanguageModeling ? position.Tokens : null,
                ElapsedSeconds = clock.Elapsed.TotalSeconds,
                Spike = spike ? true : null,
                WeightNorms = weightNorms,
                AdamEffectiveLr = adamEffectiveLr,
                Saturated = roundingStep?.Saturated,
                Underflowed = roundingStep?.Underflowed,
                Rounding = roundingCounts,
            });
            telemetry?.Logged(loss, learningRate, gradNorm, intervalPredictions / seconds);
            telemetry?.GroupLearningRates(groupRoles, groups.Select(g => g.LearningRate).ToArray());
            if (roundingCounts is { Count: > 0 })
                telemetry?.Rounded(roundingStep!.Saturated, roundingStep.Underflowed);
            progress.Report(new ProgressUpdate(completed, options.Steps, loss, learningRate, evalLoss, clock.Elapsed)
            {
                TokensPerSecond = tokensPerSecond,
            });
            intervalClock.Restart();
            intervalExamples = intervalPredictions = 0;
            if (checkpoints?.IsDue(completed) == true)
                Checkpoint();
        }
        Checkpoint(); // the final checkpoint
        return loop.Result(RunStatus.Completed, null);
    }

    /// <summary>
    /// The rollback guard: reload the newest valid checkpoint and lower every learning rate. Returns the result that
    /// ends the run when it cannot (no checkpoint, too many rollbacks), or null to go on.
    /// </summary>
    private TrainingResult? RollBack(Experiment experiment, LoopState loop, CheckpointStore? checkpoints, GuardOptions guard, Generator dataGenerator,
        int step, float loss, float gradNorm)
    {
        var position = loop.Position;
        loop.NonFiniteTensors = NonFiniteTensors(experiment);
        if (position.Rollbacks >= guard.MaxRollbacks)
            return loop.Result(RunStatus.Diverged, $"Training diverged at step {step} (loss {loss}, gradient norm {gradNorm}) after {position.Rollbacks} rollbacks (guard.maxRollbacks).");
        using var checkpoint = checkpoints is { Enabled: true } ? checkpoints.LoadNewestValid(m => logger.LogWarning("Skipping a damaged checkpoint: {Message}", m)) : null;
        if (checkpoint is null)
            return loop.Result(RunStatus.Diverged, $"Training diverged at step {step} (loss {loss}, gradient norm {gradNorm}) and there is no checkpoint to roll back to; checkpoints must be enabled (checkpoint.interval) for guard.onNonFinite = rollback.");
        int rollbacks = position.Rollbacks + 1;
        double scale = position.LearningRateScale * guard.RollbackLrFactor;
        int skipped = position.SkippedUpdates;
        int spikes = position.LossSpikes;
        loop.Position = TrainingCheckpoint.Restore(checkpoint, experiment, dataGenerator);
        loop.Position.Rollbacks = rollbacks;
        loop.Position.LearningRateScale = scale;
        loop.Position.SkippedUpdates = skipped;
        loop.Position.LossSpikes = spikes;
        loop.LastCheckpointStep = loop.Position.Step;
        logger.LogWarning("NaN/Inf at step {Step}: rolled back to {Checkpoint} (step {Back}) with every learning rate x{Scale} (rollback {Count} of at most {Max}).",
            step, checkpoint.Folder, loop.Position.Step, scale, rollbacks, guard.MaxRollbacks);
        return null;
    }

    /// <summary>Names of the tensors whose gradient or value has a NaN or infinity.</summary>
    private static List<string> NonFiniteTensors(Experiment experiment)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return experiment.Parameters
            .Where(p => !p.Value.isfinite().all().item<bool>() || (p.Value.grad is { } g && !g.isfinite().all().item<bool>()))
            .Select(p => p.Descriptor.Name).ToList();
    }

    /// <summary>For each optimizer group, the roles of its tensors (e.g. <c>hidden</c>, <c>bias+norm</c>): the group's metric label.</summary>
    private static string[] GroupRoles(Experiment experiment, IReadOnlyList<optim.ILearningRateController> groups)
    {
        var roles = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Role);
        return groups.Select(g => string.Join("+", OptimizerGroups.ParametersOf(g).Select(p => roles.GetValueOrDefault(p.Handle)).Distinct().Order()
            .Select(r => SpecJson.EnumName(r)))).ToArray();
    }

    /// <summary>Mean loss over the held-out batches (weighted by predictions), in eval mode without gradients.</summary>
    public static double Evaluate(Experiment experiment, int batchSize, int batches)
    {
        experiment.Model.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long count = 0;
            foreach (var batch in experiment.Dataset.EvaluationBatches(batchSize, batches))
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
