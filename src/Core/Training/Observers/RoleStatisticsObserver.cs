namespace Forge.Core.Training.Observers;

/// <summary>At every evaluation, adds each role's weight norm and Adam's effective learning rate to the record (<see cref="RoleStatistics"/>).</summary>
public sealed class RoleStatisticsObserver : ITrainingObserver, IMetricsContributor
{
    public MetricRecord Contribute(MetricRecord record, LoggedStepContext context)
    {
        if (!context.Plan.Evaluate)
            return record;
        var experiment = context.State.Experiment;
        return record with { WeightNorms = RoleStatistics.WeightNorms(experiment), AdamEffectiveLr = RoleStatistics.AdamEffectiveLearningRates(experiment) };
    }
}
