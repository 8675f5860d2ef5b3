using System.Diagnostics;
using Forge.Abstractions.Data;
using Forge.Host.Console;
using Forge.Host.Diagnostics;
using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Host.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
internal sealed record TrainingResult(RunStatus Status, int Steps, double? InitialEvalLoss, double? FinalTrainLoss, double? FinalEvalLoss, double? BestEvalLoss, int? BestEvalStep, string? Error)
{
    /// <summary>Under a rounding precision policy: what it did at the last logged step.</summary>
    public RoundingSummary? Rounding { get; init; }
}

/// <summary>
/// The training loop. Every update runs inside its own dispose scope; values are read back from the device only at
/// logged steps. Deterministic on CPU for a fixed seed and thread count: init and data come from seeded generators.
/// </summary>
internal sealed class Trainer(ILogger<Trainer> logger)
{
    public TrainingResult Train(Experiment experiment, MetricsWriter metrics, ITrainingProgress progress, CancellationToken cancellationToken,
        Telemetry.TrainingMetrics? telemetry = null)
    {
        var state = new LoopState();
        try
        {
            return Loop(experiment, metrics, progress, state, telemetry, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug(e, "Training failed after {Steps} steps", state.Completed); // the stack trace, with --verbose
            return Result(RunStatus.Failed, state, $"Training failed after {state.Completed} steps: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>What the loop has seen so far, kept outside it so a failure can still be summarised.</summary>
    private sealed class LoopState
    {
        public int Completed;
        public double? InitialEval, LastLoss, LastEval, BestEval;
        public int? BestEvalStep;
        public RoundingSummary? Rounding;
    }

    private TrainingResult Loop(Experiment experiment, MetricsWriter metrics, ITrainingProgress progress, LoopState state,
        Telemetry.TrainingMetrics? telemetry, CancellationToken cancellationToken)
    {
        telemetry?.Started(experiment.ParameterCount);
        var options = experiment.Spec.Spec.Training;
        var task = experiment.Dataset.Description.Task;
        var schedule = new LearningRateSchedule(options.Schedule, options.Steps);
        var groups = experiment.Optimizer.ParamGroups.ToList();
        var initialRates = groups.Select(g => g.InitialLearningRate).ToArray(); // per-group rates set by the parametrization
        var trainable = experiment.Trainable;
        var groupRoles = GroupRoles(experiment, groups);
        var rounding = experiment.Precision as Forge.Abstractions.Precision.IRoundingStatistics;
        using var dataGenerator = ExperimentBuilder.DataGenerator(experiment.Spec.Spec.Seed);
        var layerOptions = experiment.Spec.Spec.Metrics.Layers;
        using var diagnostics = layerOptions.Interval > 0 ? new LayerDiagnostics(experiment, layerOptions) : null;

        state.InitialEval = Evaluate(experiment, options.BatchSize, options.EvalBatches);
        telemetry?.Evaluated(state.InitialEval.Value);
        var stepClock = new Stopwatch();
        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        long intervalExamples = 0, intervalPredictions = 0, totalExamples = 0, totalPredictions = 0;

        for (int step = 0; step < options.Steps; step++)
        {
            if (cancellationToken.IsCancellationRequested)
                return Result(RunStatus.Interrupted, state, "Interrupted before the planned number of steps.");

            int completed = step + 1;
            bool evaluate = completed == options.Steps || (options.EvalInterval > 0 && completed % options.EvalInterval == 0);
            bool log = evaluate || completed % options.LogInterval == 0;
            double factor = schedule.Factor(step);
            for (int g = 0; g < groups.Count; g++)
                groups[g].LearningRate = initialRates[g] * factor;

            float loss = float.NaN, gradNorm = float.NaN;
            LayerRecord? layers = null;
            stepClock.Restart();
            if (rounding is not null)
                rounding.Counting = log; // counting reads values back: only on the steps that are logged
            using (var scope = NewDisposeScope())
            {
                using var batch = experiment.Dataset.NextTrainingBatch(options.BatchSize, dataGenerator);
                experiment.Optimizer.zero_grad();
                using var measurement = diagnostics?.IsDue(completed) == true ? diagnostics.Begin() : null;
                var output = experiment.Model.call(batch.Inputs);
                measurement?.ForwardDone();
                var lossTensor = LossFunction.Compute(experiment, output, batch.Targets);
                lossTensor.backward();
                measurement?.GradientsReady();
                Tensor? norm = options.GradClip > 0 || log ? GradientNorm.Compute(trainable) : null;
                if (options.GradClip > 0)
                    GradientNorm.Clip(trainable, norm!, options.GradClip);
                experiment.Optimizer.step();
                layers = measurement?.Finish(completed);
                state.Completed = completed;
                intervalExamples += batch.Examples;
                intervalPredictions += batch.Predictions;
                totalExamples += batch.Examples;
                totalPredictions += batch.Predictions;
                telemetry?.Step(stepClock.Elapsed.TotalSeconds, batch.Examples, batch.Predictions);
                if (log)
                {
                    loss = lossTensor.item<float>();
                    gradNorm = norm!.item<float>();
                }
            }
            if (layers is not null)
            {
                metrics.WriteLayers(layers);
                telemetry?.Layers(layers);
            }
            if (!log)
                continue;
            var roundingCounts = rounding?.Collect();
            var roundingStep = roundingCounts is null ? null : RoundingSummary.From(completed, roundingCounts);
            if (rounding is not null)
                rounding.Counting = false;
            if (roundingCounts is { Count: > 0 })
                state.Rounding = roundingStep;

            state.LastLoss = loss;
            if (!float.IsFinite(loss) || !float.IsFinite(gradNorm))
            {
                var error = $"Training diverged at step {completed}: loss {loss}, gradient norm {gradNorm}. Lower optimizer.lr, add warmup (training.schedule.warmupSteps) or clipping (training.gradClip).";
                logger.LogWarning("{Error}", error);
                telemetry?.Diverged();
                return Result(RunStatus.Diverged, state, error);
            }
            double? evalLoss = null;
            if (evaluate)
            {
                evalLoss = Evaluate(experiment, options.BatchSize, options.EvalBatches);
                state.LastEval = evalLoss;
                telemetry?.Evaluated(evalLoss.Value);
                if (state.BestEval is null || evalLoss < state.BestEval)
                {
                    state.BestEval = evalLoss;
                    state.BestEvalStep = completed;
                }
            }
            double seconds = Math.Max(intervalClock.Elapsed.TotalSeconds, 1e-9);
            double learningRate = experiment.OptimizerPlugin.LearningRate * factor;
            metrics.Write(new MetricRecord
            {
                Step = completed,
                Loss = loss,
                Lr = learningRate,
                GradNorm = gradNorm,
                ExamplesPerSecond = intervalExamples / seconds,
                TokensPerSecond = task == TaskKind.LanguageModeling ? intervalPredictions / seconds : null,
                EvalLoss = evalLoss,
                Samples = totalExamples,
                Tokens = task == TaskKind.LanguageModeling ? totalPredictions : null,
                ElapsedSeconds = clock.Elapsed.TotalSeconds,
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
                TokensPerSecond = task == TaskKind.LanguageModeling ? intervalPredictions / seconds : null,
            });
            intervalClock.Restart();
            intervalExamples = intervalPredictions = 0;
        }
        return Result(RunStatus.Completed, state, null);
    }

    /// <summary>For each optimizer group, the roles of its tensors (e.g. <c>hidden</c>, <c>bias+norm</c>): the group's metric label.</summary>
    private static string[] GroupRoles(Experiment experiment, IReadOnlyList<optim.ILearningRateController> groups)
    {
        var roles = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Role);
        return groups.Select(g => string.Join("+", OptimizerGroups.ParametersOf(g).Select(p => roles.GetValueOrDefault(p.Handle)).Distinct().Order()
            .Select(r => Specs.SpecJson.EnumName(r)))).ToArray();
    }

    private static TrainingResult Result(RunStatus status, LoopState state, string? error) =>
        new(status, state.Completed, state.InitialEval, state.LastLoss, state.LastEval, state.BestEval, state.BestEvalStep, error) { Rounding = state.Rounding };

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
