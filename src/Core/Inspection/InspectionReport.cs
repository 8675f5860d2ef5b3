using Forge.Abstractions.Parametrizations;
using TorchSharp.Modules;
using Forge.Core.Composition;
using Forge.Core.Training;

namespace Forge.Core.Inspection;

/// <summary>One trainable tensor as training will use it.</summary>
public sealed record ParameterRow(
    string Name, string Role, long[] Shape, string FanIn, string FanOut, double FanInMultiplier, double FanOutMultiplier,
    string Init, double InitStd, double ForwardMultiplier, double LearningRate, double WeightDecay, double EpsilonFactor, string? TiedTo);

/// <summary>What <c>forge inspect</c> shows: every tensor, every tied use, every attention/residual scale.</summary>
public sealed record InspectionReport(
    string Parametrization, string Precision, string Ops, string Optimizer, double BaseLearningRate, double ScheduleFactorAtStep0, long Parameters,
    IReadOnlyList<ParameterRow> Rows, IReadOnlyList<ArchitecturalScale> Scales)
{
    /// <summary>
    /// Reads the report off a built experiment: learning rate and weight decay come from the optimizer's own
    /// parameter groups (times the schedule's factor at step 0), so the numbers are the ones training uses.
    /// </summary>
    public static InspectionReport From(Experiment experiment)
    {
        var spec = experiment.Spec;
        double factor = new LearningRateSchedule(spec.Experiment.Training.Schedule, spec.Experiment.Training.Steps).Factor(0);
        var groups = new Dictionary<IntPtr, (double Lr, double Wd)>();
        foreach (var group in experiment.Optimizer.ParamGroups.Cast<ParamGroup>())
            foreach (var parameter in group.Parameters)
                groups[parameter.Handle] = (group.InitialLearningRate * factor, WeightDecayOf(group));

        var rows = experiment.Parameters.Select(p => Row(p, groups[p.Value.Handle], null)).ToList();
        var owners = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Name);
        rows.AddRange(experiment.TiedUses.Select(t => Row(t, groups[t.Value.Handle], owners[t.Value.Handle])));
        return new InspectionReport(spec.Parametrization.Plugin.Name, experiment.Precision.Description, experiment.Ops.Description, spec.Optimizer.Plugin.Name, experiment.OptimizerPlugin.LearningRate,
            factor, experiment.ParameterCount, rows, experiment.Scales);
    }

    private static ParameterRow Row(ScaledParameter p, (double Lr, double Wd) group, string? tiedTo)
    {
        var d = p.Descriptor;
        var s = p.Scaling;
        // A tied use trains with its owner's init and learning rate; only its multiplier is its own.
        return new ParameterRow(d.Name, d.Role.ToString(), d.Shape, d.FanIn.ToString(), d.FanOut.ToString(), s.FanInMultiplier, s.FanOutMultiplier,
            tiedTo is null ? s.Init.ToString() : $"tied to {tiedTo}", tiedTo is null ? s.Init.StandardDeviation : double.NaN,
            s.ForwardMultiplier, group.Lr, group.Wd, s.EpsilonFactor, tiedTo);
    }

    /// <summary>A group's weight decay: TorchSharp's own options call it <c>weight_decay</c> (a field), plugin optimizers <c>WeightDecay</c> (a property).</summary>
    private static double WeightDecayOf(ParamGroup group) => OptimizerGroups.Number(group.Options, "weight_decay", "WeightDecay") ?? 0.0;
}
