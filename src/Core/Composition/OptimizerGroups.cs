using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Core.Composition;

/// <summary>What the host can read from a TorchSharp optimizer's parameter groups.</summary>
public static class OptimizerGroups
{
    /// <summary>The tensors of one group (none when the optimizer's group type does not expose them).</summary>
    public static IEnumerable<Parameter> ParametersOf(torch.optim.ILearningRateController group) =>
        (group as ParamGroup)?.Parameters ?? Enumerable.Empty<Parameter>();

    /// <summary>
    /// Every trained tensor with its group and its per-tensor state object, in the optimizer's order (the order of
    /// <c>state_dict().State</c>). Works for every optimizer built on TorchSharp's managed <see cref="OptimizerHelper"/>.
    /// </summary>
    public static IEnumerable<(torch.optim.ILearningRateController Group, Parameter Parameter, object State)> States(OptimizerHelper optimizer)
    {
        var states = optimizer.state_dict().State;
        int i = 0;
        foreach (var group in optimizer.ParamGroups)
        foreach (var parameter in ParametersOf(group))
            yield return (group, parameter, states[i++]);
    }

    /// <summary>
    /// A number in a group's options or a state object, by the first of <paramref name="names"/> it has as a public field
    /// or property (TorchSharp's own options use fields such as <c>weight_decay</c>, plugins properties such as
    /// <c>WeightDecay</c>); null when it has none of them, or the value is not a number.
    /// </summary>
    public static double? Number(object? target, params string[] names)
    {
        if (target is null)
            return null;
        var type = target.GetType();
        foreach (var name in names)
        {
            var value = type.GetField(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target)
                        ?? type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target);
            switch (value)
            {
                case double d: return d;
                case float f: return f;
                case long l: return l;
                case int n: return n;
            }
        }
        return null;
    }

    /// <summary>A group's options object (null when the group type has none).</summary>
    public static object? OptionsOf(torch.optim.ILearningRateController group) => (group as ParamGroup)?.Options;
}
