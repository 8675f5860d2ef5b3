using System.Diagnostics;
using Forge.Abstractions.Data;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Specs;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Training;

/// <summary>
/// The training loop: update after update (<see cref="TrainingStep"/>), the divergence guard's decision on the ones
/// that were not finite, the held-out evaluation at its steps, and the observers at every event (metrics, telemetry,
/// progress, diagnostics, checkpoints, callbacks). Deterministic on CPU for a fixed seed and thread count: init and
/// data come from seeded generators, and a run resumed from a checkpoint continues bit for bit.
/// </summary>
public sealed class TrainingLoop(ILogger<TrainingLoop> logger)
{
    /// <summary>
    /// Trains <paramref name="experiment"/> from the start, or from <paramref name="resumeFrom"/>, until its last step,
    /// a divergence, a failure or <paramref name="cancellationToken"/>. Never throws for what happens in training: a
    /// failure is the outcome's <see cref="RunStatus.Failed"/> with its error.
    /// </summary>
    public LoopOutcome Run(Experiment experiment, TrainingObservers observers, DivergenceGuard guard, CancellationToken cancellationToken,
        LoadedCheckpoint? resumeFrom = null)
    {
        experiment.Environment.UseThreads(); // on the thread that trains: OpenMP's thread count is per thread
        using var dataGenerator = DataStreams.Training(experiment.Spec.Experiment.Seed);
        var state = new LoopState
        {
            Experiment = experiment,
            Position = new TrainingPosition(),
            DataGenerator = dataGenerator,
            Schedule = new LearningRateSchedule(experiment.Spec.Experiment.Training.Schedule, experiment.Spec.Experiment.Training.Steps),
        };
        LoopOutcome outcome;
        try
        {
            outcome = Loop(state, observers, guard, resumeFrom, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Training failed after {Steps} steps", state.Position.Step); // the stack trace, with --verbose
            outcome = new LoopOutcome(RunStatus.Failed, state.Position, $"Training failed after {state.Position.Step} steps: {e.GetType().Name}: {e.Message}");
        }
        try
        {
            observers.Ended(state, outcome);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "An observer failed at the end of the run");
            var before = outcome.Error is null ? "" : $" It had ended with: {outcome.Error}";
            outcome = outcome with { Status = RunStatus.Failed, Error = $"Training ended ({SpecJson.EnumName(outcome.Status)}), but finishing the run failed: {e.GetType().Name}: {e.Message}.{before}" };
        }
        return outcome;
    }

    private LoopOutcome Loop(LoopState state, TrainingObservers observers, DivergenceGuard guard, LoadedCheckpoint? resumeFrom, CancellationToken cancellationToken)
    {
        var experiment = state.Experiment;
        var options = experiment.Spec.Experiment.Training;
        bool languageModel = experiment.Dataset.Description.Task == TaskKind.LanguageModeling;
        using var step = new TrainingStep(experiment, guard.ChecksEveryStep);
        var ranks = experiment.Environment.Collective;
        var checkpoints = experiment.Spec.Settings.Checkpoint;
        using var syncState = step.Sync is null ? null : new SyncState(experiment, step.Sync);
        state.Sync = syncState;

        if (resumeFrom is not null)
        {
            state.Position = Restore(resumeFrom, state, syncState);
            observers.Restored(state, resumeFrom, rollback: false);
            logger.LogInformation("Resumed from {Checkpoint} at step {Step}", resumeFrom.Folder, state.Position.Step);
        }
        else
        {
            var initial = Evaluation.HeldOut(experiment, options.BatchSize, options.EvalBatches);
            (state.Position.InitialEvalLoss, state.Position.InitialEvalAccuracy) = (initial.Loss, initial.Accuracy);
        }
        observers.Started(state);

        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        long intervalExamples = 0, intervalPredictions = 0, intervalSteps = 0;
        double intervalCommunication = 0;

        int lastStep = PausesAt(experiment) ?? options.Steps; // the last update this run takes
        while (state.Position.Step < lastStep)
        {
            if (StopRequested(ranks, cancellationToken))
            {
                if (checkpoints.Enabled && state.Position.Step > 0)
                    syncState?.Gather(state.Position.Step);
                observers.Ending(state, RunStatus.Interrupted);
                return new LoopOutcome(RunStatus.Interrupted, state.Position, state.Position.Step == 0
                    ? $"Interrupted before the first of {options.Steps} steps (nothing to checkpoint); run the same command again to start it."
                    : $"Interrupted after {state.Position.Step} of {options.Steps} steps; run the same command again to continue from the checkpoint.");
            }

            var plan = StepPlan.For(state.Position.Step + 1, lastStep, options.EvalInterval, options.LogInterval); // the last one logs and evaluates
            double factor = state.NextFactor;
            observers.StepStarting(plan);
            StepResult result;
            using (var probe = observers.Probe(plan))
                result = step.Run(plan, factor, state.DataGenerator, probe);

            if (!result.Finite)
            {
                switch (guard.NonFiniteUpdate(state, plan, result))
                {
                    case GuardDecision.Stop stop:
                        return stop.Outcome;
                    case GuardDecision.RollBack rollBack:
                        using (var checkpoint = rollBack.Checkpoint)
                        {
                            var before = state.Position;
                            state.Position = Restore(checkpoint, state, syncState);
                            guard.CarryOver(before, state.Position, plan.Step, checkpoint.Folder);
                            observers.Restored(state, checkpoint, rollback: true);
                        }
                        continue;
                    case GuardDecision.Skip skip: // the update is counted, not applied
                        Advance(state.Position, plan, result, languageModel);
                        intervalExamples += result.Examples;
                        intervalPredictions += result.Predictions;
                        observers.UpdateSkipped(state, plan, result);
                        if (skip.Diverged is { } diverged)
                            return diverged;
                        continue;
                    default:
                        throw new InvalidOperationException("The divergence guard made a decision the loop does not know.");
                }
            }
            guard.UpdateApplied();
            Advance(state.Position, plan, result, languageModel);
            intervalExamples += result.Examples;
            intervalPredictions += result.Predictions;
            intervalSteps++;
            intervalCommunication += result.CommunicationSeconds;
            observers.UpdateApplied(state, plan, result);

            if (plan.Logged)
            {
                var position = state.Position;
                position.LastTrainLoss = result.Loss;
                if (guard.LoggedValues(state, plan.Step, result.Loss, result.GradientNorm) is { } diverged)
                    return diverged;
                bool spike = guard.IsSpike(position, plan.Step, result.Loss);
                double? evalLoss = null, evalAccuracy = null;
                if (plan.Evaluate)
                {
                    var held = Evaluation.HeldOut(experiment, options.BatchSize, options.EvalBatches);
                    (evalLoss, evalAccuracy) = (held.Loss, held.Accuracy);
                    position.LastEvalLoss = evalLoss;
                    position.LastEvalAccuracy = evalAccuracy;
                    if (evalAccuracy > (position.BestEvalAccuracy ?? double.NegativeInfinity))
                        position.BestEvalAccuracy = evalAccuracy;
                    if (position.BestEvalLoss is null || evalLoss < position.BestEvalLoss)
                    {
                        position.BestEvalLoss = evalLoss;
                        position.BestEvalStep = plan.Step;
                    }
                }
                double seconds = Math.Max(intervalClock.Elapsed.TotalSeconds, 1e-9);
                var record = new MetricRecord
                {
                    Step = plan.Step,
                    Loss = result.Loss,
                    Lr = experiment.OptimizerPlugin.LearningRate * factor,
                    GradNorm = result.GradientNorm,
                    ExamplesPerSecond = intervalExamples / seconds,
                    TokensPerSecond = languageModel ? intervalPredictions / seconds : null,
                    EvalLoss = evalLoss,
                    TrainAccuracy = result.Accuracy,
                    EvalAccuracy = evalAccuracy,
                    Samples = position.Samples,
                    Tokens = languageModel ? position.Tokens : null,
                    ElapsedSeconds = clock.Elapsed.TotalSeconds,
                    Spike = spike ? true : null,
                    AllReduceMsPerStep = ranks.Size > 1 && intervalSteps > 0 ? 1000 * intervalCommunication / intervalSteps : null,
                };
                record = observers.Contribute(record, new LoggedStepContext(state, plan, evalLoss));
                observers.Logged(new LoggedStep(state, plan, record, intervalPredictions / seconds, step.Groups.Select(g => g.LearningRate).ToArray()));
                intervalClock.Restart();
                intervalExamples = intervalPredictions = intervalSteps = 0;
                intervalCommunication = 0;
            }
            if (checkpoints.IsDue(plan.Step))
                syncState?.Gather(plan.Step); // every rank, for rank 0's checkpoint
            observers.StepEnded(state, plan);
        }
        if (checkpoints.Enabled)
            syncState?.Gather(state.Position.Step);
        var status = state.Position.Step < options.Steps ? RunStatus.Paused : RunStatus.Completed;
        observers.Ending(state, status);
        return new LoopOutcome(status, state.Position, null);
    }

    /// <summary>The spec's <c>stopAfter</c>, when it ends the run before training.steps.</summary>
    private static int? PausesAt(Experiment experiment)
    {
        int stopAfter = experiment.Spec.Settings.StopAfter;
        return stopAfter > 0 && stopAfter < experiment.Spec.Experiment.Training.Steps ? stopAfter : null;
    }

    /// <summary>Puts <paramref name="checkpoint"/>'s state into the run (under training.sync, this rank's own); returns its position.</summary>
    private static TrainingPosition Restore(LoadedCheckpoint checkpoint, LoopState state, SyncState? syncState)
    {
        var position = TrainingCheckpoint.Restore(checkpoint, state.Experiment, state.DataGenerator);
        syncState?.Restore(checkpoint);
        return position;
    }

    /// <summary>
    /// Whether to stop before the next update: this process was asked to (Ctrl+C, SIGTERM), or, when training with
    /// several ranks, any of them was; they agree in one all-reduce, so every rank stops after the same step.
    /// </summary>
    private static bool StopRequested(Distributed.ICollective ranks, CancellationToken cancellationToken)
    {
        bool here = cancellationToken.IsCancellationRequested;
        if (ranks.Size == 1)
            return here;
        using var flag = TorchSharp.torch.tensor(new[] { here ? 1f : 0f });
        ranks.AllReduceSum(flag);
        return flag.item<float>() > 0;
    }

    /// <summary>Counts update <paramref name="plan"/> and its batch in the position.</summary>
    private static void Advance(TrainingPosition position, StepPlan plan, StepResult result, bool languageModel)
    {
        position.Step = plan.Step;
        position.Samples += result.Examples;
        position.Tokens += languageModel ? result.Predictions : 0;
    }
}
