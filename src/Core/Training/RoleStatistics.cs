using TorchSharp;
using System.Reflection;
using Forge.Abstractions.Parametrizations;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Specs;

namespace Forge.Core.Training;

/// <summary>
/// Per-role figures for watching weight decay and adaptive optimizers: the weights' L2 norm (all tensors of the role
/// together) and Adam's effective learning rate, the mean over the role's elements of
/// <c>lr / (sqrt(v̂) + ε)</c> with the bias-corrected second moment v̂. Computed on evaluation steps only: each is a pass
/// over every weight, too much for every logged step of a small model.
/// </summary>
public static class RoleStatistics
{
    /// <summary>sqrt(Σ‖w‖²) over the tensors of each role, read back once.</summary>
    public static IReadOnlyDictionary<string, double> WeightNorms(Experiment experiment)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var roles = experiment.Parameters.GroupBy(p => p.Descriptor.Role).ToList();
        var squares = stack(roles.Select(r => stack(r.Select(p => p.Value.detach().to(float32).square().sum()).ToArray()).sum()).ToArray());
        var values = squares.sqrt().cpu().data<float>().ToArray(); // data<> reads host memory only
        return roles.Select((r, i) => (Name: RoleName(r.Key), Value: (double)values[i])).ToDictionary(x => x.Name, x => x.Value);
    }

    /// <summary>
    /// Mean of <c>lr / (sqrt(v / (1 − β₂^t)) + ε)</c> per role, over tensors whose optimizer state has a second moment
    /// (a public tensor field <c>exp_avg_sq</c> or <c>ExpAvgSq</c> and a step count) and whose group options say β₂ and ε;
    /// null when no tensor has one (SGD, Lion, Muon's matrices).
    /// </summary>
    public static IReadOnlyDictionary<string, double>? AdamEffectiveLearningRates(Experiment experiment)
    {
        if (experiment.Optimizer is not OptimizerHelper helper)
            return null;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var roleOf = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Role);
        var sums = new Dictionary<ParameterRole, List<Tensor>>();
        var counts = new Dictionary<ParameterRole, long>();
        foreach (var (group, parameter, state) in OptimizerGroups.States(helper))
        {
            var options = OptimizerGroups.OptionsOf(group);
            if (OptimizerGroups.Number(options, "beta2", "Beta2") is not { } beta2 || OptimizerGroups.Number(options, "eps", "Eps") is not { } eps
                || !roleOf.TryGetValue(parameter.Handle, out var role))
                continue;
            if (SecondMoment(state) is not { } secondMoment || OptimizerGroups.Number(state, "step", "Step") is not { } step || step < 1)
                continue;
            // Scalars held until the native calls return (Forge.Abstractions' HeldScalars says why).
            using var correction = (1 - Math.Pow(beta2, step)).ToScalar();
            using var epsilon = eps.ToScalar();
            using var rate = group.LearningRate.ToScalar();
            var effective = secondMoment.div(correction).sqrt_().add_(epsilon).reciprocal_().mul_(rate).sum();
            (sums.TryGetValue(role, out var list) ? list : sums[role] = new List<Tensor>()).Add(effective);
            counts[role] = counts.GetValueOrDefault(role) + secondMoment.numel();
        }
        if (sums.Count == 0)
            return null;
        var roles = sums.Keys.ToList();
        var totals = stack(roles.Select(r => stack(sums[r].ToArray()).sum()).ToArray()).to(float64).cpu().data<double>().ToArray();
        return roles.Select((r, k) => (Name: RoleName(r), Value: totals[k] / counts[r])).ToDictionary(x => x.Name, x => x.Value);
    }

    private static string RoleName(ParameterRole role) => SpecJson.EnumName(role);

    /// <summary>Adam's second moment in a state object: TorchSharp's <c>exp_avg_sq</c> field, or a plugin's <c>ExpAvgSq</c>.</summary>
    private static Tensor? SecondMoment(object state)
    {
        var type = state.GetType();
        foreach (var name in new[] { "exp_avg_sq", "ExpAvgSq" })
            if (type.GetField(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(state) is Tensor tensor)
                return tensor;
        return null;
    }
}
