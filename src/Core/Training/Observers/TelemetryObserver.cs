using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Specs;
using Forge.Core.Telemetry;

namespace Forge.Core.Training.Observers;

/// <summary>
/// Records the run in its OpenTelemetry instruments (<see cref="TrainingMetrics"/>): step durations and counts every
/// update (no device read-back), losses, rates, norms and group learning rates at logged steps, and the guard's events.
/// </summary>
public sealed class TelemetryObserver(TrainingMetrics metrics) : ITrainingObserver
{
    private string[] _groupRoles = Array.Empty<string>();

    public void Started(LoopState state)
    {
        var experiment = state.Experiment;
        metrics.Started(experiment.ParameterCount);
        _groupRoles = GroupRoles(experiment);
        if ((state.Position.LastEvalLoss ?? state.Position.InitialEvalLoss) is { } known)
            metrics.Evaluated(known);
        if ((state.Position.LastEvalAccuracy ?? state.Position.InitialEvalAccuracy) is { } accuracy)
            metrics.EvaluatedAccuracy(accuracy);
    }

    public void Restored(LoopState state, LoadedCheckpoint checkpoint, bool rollback)
    {
        if (rollback)
            metrics.RolledBack();
    }

    public void UpdateSkipped(LoopState state, StepPlan plan, StepResult result)
    {
        metrics.Step(result.Seconds, result.Examples, result.Predictions);
        metrics.Skipped();
    }

    public void UpdateApplied(LoopState state, StepPlan plan, StepResult result) => metrics.Step(result.Seconds, result.Examples, result.Predictions);

    public void Logged(LoggedStep step)
    {
        var r = step.Record;
        if (r.Spike == true)
            metrics.Spiked();
        if (r.WeightNorms is { } norms)
            metrics.RoleStatistics(norms, r.AdamEffectiveLr);
        if (r.EvalLoss is { } eval)
            metrics.Evaluated(eval);
        if (r.EvalAccuracy is { } evalAccuracy)
            metrics.EvaluatedAccuracy(evalAccuracy);
        if (r.TrainAccuracy is { } trainAccuracy)
            metrics.TrainAccuracy(trainAccuracy);
        metrics.Logged(r.Loss, r.Lr, r.GradNorm, step.PredictionsPerSecond);
        metrics.GroupLearningRates(_groupRoles, step.GroupLearningRates);
        if (r.Rounding is { Count: > 0 })
            metrics.Rounded(r.Saturated ?? 0, r.Underflowed ?? 0);
    }

    public void Ended(LoopState state, LoopOutcome outcome)
    {
        if (outcome.Status == RunStatus.Diverged)
            metrics.Diverged();
    }

    /// <summary>For each optimizer group, the roles of its tensors (e.g. <c>hidden</c>, <c>bias+norm</c>): the group's metric label.</summary>
    private static string[] GroupRoles(Experiment experiment)
    {
        var roles = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Role);
        return experiment.Optimizer.ParamGroups.Select(g => string.Join("+", OptimizerGroups.ParametersOf(g).Select(p => roles.GetValueOrDefault(p.Handle)).Distinct().Order()
            .Select(r => SpecJson.EnumName(r)))).ToArray();
    }
}
