using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Forge.Core.Composition;

namespace Forge.Core.Checkpoints;

/// <summary>
/// Reads and writes a TorchSharp optimizer's per-tensor state (Adam's moments and step count, SGD's momentum
/// buffer, ...) by name, through the public fields of each state object: tensor fields go to
/// <c>optimizer.safetensors</c> as <c>&lt;tensor&gt;.&lt;field&gt;</c>, numeric fields to the sidecar. Works for every
/// optimizer built on TorchSharp's managed <see cref="OptimizerHelper"/>, plugins' included.
/// </summary>
public static class OptimizerState
{
    public static (List<(string Name, Tensor Tensor)> Tensors, Dictionary<string, double> Scalars) Capture(Experiment experiment)
    {
        var tensors = new List<(string, Tensor)>();
        var scalars = new Dictionary<string, double>();
        foreach (var (name, state) in States(experiment))
        foreach (var field in Fields(state))
        {
            var value = field.GetValue(state);
            if (value is Tensor tensor)
                tensors.Add(($"{name}.{field.Name}", tensor));
            else if (value is not null && IsNumber(field.FieldType))
                scalars[$"{name}.{field.Name}"] = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return (tensors, scalars);
    }

    /// <summary>Copies saved state into the live optimizer (of the same type: the caller checks); a tensor of the wrong shape is an <see cref="InvalidDataException"/>.</summary>
    public static void Restore(Experiment experiment, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, double> scalars)
    {
        using var noGrad = no_grad();
        foreach (var (name, state) in States(experiment))
        foreach (var field in Fields(state))
        {
            var key = $"{name}.{field.Name}";
            if (field.FieldType == typeof(Tensor))
            {
                var live = (Tensor?)field.GetValue(state);
                if (!tensors.TryGetValue(key, out var saved))
                    continue; // state the optimizer creates lazily (SGD's momentum buffer before its first step)
                if (live is null)
                {
                    field.SetValue(state, saved.to(experiment.Environment.Device).clone().DetachFromDisposeScope());
                    continue;
                }
                if (!live.shape.SequenceEqual(saved.shape))
                    throw new InvalidDataException($"optimizer state {key} has shape [{string.Join(", ", saved.shape)}] in the checkpoint but [{string.Join(", ", live.shape)}] here.");
                live.copy_(saved);
            }
            else if (IsNumber(field.FieldType) && scalars.TryGetValue(key, out var number))
                field.SetValue(state, Convert.ChangeType(number, field.FieldType, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Each trained tensor's name with its optimizer state object, in the optimizer's order.</summary>
    private static IEnumerable<(string Name, object State)> States(Experiment experiment)
    {
        if (experiment.Optimizer is not OptimizerHelper helper)
            throw new NotSupportedException($"the optimizer {experiment.Optimizer.GetType().Name} keeps its state in native code, which Forge cannot checkpoint; set \"checkpoint\": \"none\".");
        var names = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Name);
        int position = 0;
        foreach (var (_, parameter, state) in OptimizerGroups.States(helper))
        {
            yield return (names.GetValueOrDefault(parameter.Handle, $"tensor{position}"), state);
            position++;
        }
    }

    private static IEnumerable<FieldInfo> Fields(object state) =>
        state.GetType().GetFields(BindingFlags.Public | BindingFlags.Instance).Where(f => f.FieldType == typeof(Tensor) || IsNumber(f.FieldType));

    private static bool IsNumber(Type type) => type == typeof(long) || type == typeof(int) || type == typeof(double) || type == typeof(float);
}
