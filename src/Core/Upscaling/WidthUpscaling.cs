using System.Globalization;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;
using Forge.Core.Checkpoints;

namespace Forge.Core.Upscaling;

/// <summary>
/// Widens a trained checkpoint into a model k times wider that computes the same function (docs/reference/
/// upscaling.md, after "μpscaling small models", Ma et al. 2026, and Net2Net). Every width coordinate is
/// duplicated k times by tiling (so attention heads are duplicated whole and stay heads); a weight matrix that sums
/// over a widened dimension (its fan-in: input, hidden and readout matrices) is divided by k; embeddings, biases and
/// norms are only tiled (a norm over a tiled vector sees the same mean and variance). The parametrization's forward
/// multipliers at both widths are folded in, so the rule holds for sp, mup, umup or any plugin: the effective weight
/// α·W is what is widened. Optimizer state is tiled and scaled as the gradients are: first moments and momenta
/// by the gradient ratio, second moments by its square, and Adam's ε by the ratio, so with muP's per-layer learning
/// rates the widened model keeps following the narrow model's trajectory. The plan's ratio comes from the forward
/// multipliers; <see cref="WarmStart"/> replaces it with the measured one where the ops scale their backward pass.
/// </summary>
public static class WidthUpscaling
{
    /// <summary>
    /// How each of <paramref name="wide"/>'s tensors comes from <paramref name="source"/>. Every dimension must be
    /// the checkpoint's size or <paramref name="factor"/> times it; anything else is an <see cref="InvalidDataException"/>
    /// that says which tensor and sizes.
    /// </summary>
    public static IReadOnlyDictionary<string, TensorWidening> Plan(LoadedCheckpoint source, IReadOnlyList<ScaledParameter> wide,
        IReadOnlyList<ScaledParameter> wideTied, int factor)
    {
        var narrow = source.Sidecar.Tensors.ToDictionary(t => t.Name);
        var problems = new List<string>();
        var plan = new Dictionary<string, TensorWidening>();
        foreach (var parameter in wide)
        {
            var name = parameter.Descriptor.Name;
            if (!narrow.TryGetValue(name, out var before) || !source.Model.TryGetValue(name, out var saved))
            {
                problems.Add($"{name} is not in the checkpoint");
                continue;
            }
            var shape = parameter.Value.shape;
            if (shape.Length != saved.shape.Length || shape.Zip(saved.shape).Any(d => d.First != d.Second && d.First != factor * d.Second))
            {
                problems.Add($"{name} is [{Shape(saved.shape)}] there and [{Shape(shape)}] here, which is not {Times(factor)} wider");
                continue;
            }
            var repeats = shape.Zip(saved.shape, (w, n) => w / n).ToArray();
            double divisor = SumsOverWidenedDimension(parameter.Descriptor, repeats) ? factor : 1;
            double copies = repeats.Aggregate(1.0, (a, r) => a * r);
            double multiplierRatio = parameter.Multiplier / before.Multiplier; // α_wide / α_narrow
            plan[name] = new TensorWidening(name, repeats, 1 / (multiplierRatio * divisor), multiplierRatio * divisor / copies);
        }
        var extra = narrow.Keys.Except(wide.Select(p => p.Descriptor.Name)).ToList();
        if (extra.Count > 0)
            problems.Add($"the checkpoint has tensors this model lacks ({string.Join(", ", extra.Take(5))})");
        if (problems.Count == 0 && factor > 1 && !plan.Values.Any(w => w.Widened))
            problems.Add($"no tensor is wider than in the checkpoint, but init.upscale is {factor}");
        if (problems.Count > 0)
            throw new InvalidDataException($"{source.Folder} cannot be widened {Times(factor)} into this model: {string.Join("; ", problems.Take(6))}.");
        CheckTiedUses(source, wide, wideTied, plan, factor);
        return plan;
    }

    /// <summary>Copies the widened weights into the model.</summary>
    public static void CopyWeights(LoadedCheckpoint source, IReadOnlyDictionary<string, TensorWidening> plan, IReadOnlyList<ScaledParameter> wide)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var parameter in wide)
        {
            var widening = plan[parameter.Descriptor.Name];
            parameter.Value.copy_(Widen(source.Model[widening.Name], widening).mul(widening.WeightScale).to(parameter.Value.dtype));
        }
    }

    /// <summary>
    /// Symmetry breaking: adds <paramref name="noise"/> times each weight matrix's fresh initialisation at the new width
    /// (<paramref name="fresh"/>, by name), so the perturbation has the size the parametrization gives a new matrix at
    /// this width (zero for zero-initialised tensors such as muP's readout). Biases and norms are left alone.
    /// </summary>
    public static void AddNoise(IReadOnlyList<ScaledParameter> wide, IReadOnlyDictionary<string, Tensor> fresh, double noise)
    {
        using var noGrad = no_grad();
        foreach (var parameter in wide.Where(p => IsMatrix(p.Descriptor)))
            parameter.Value.add_(fresh[parameter.Descriptor.Name], alpha: noise);
    }

    /// <summary>
    /// The checkpoint's optimizer state widened for <see cref="OptimizerState.Restore"/>: per-tensor state tensors shaped
    /// like their weight are tiled and scaled by the gradient ratio (by its square for second moments: fields whose name
    /// says <c>sq</c>); other state tensors and the scalars (step counts) are kept as they are.
    /// </summary>
    public static Dictionary<string, Tensor> OptimizerTensors(LoadedCheckpoint source, IReadOnlyDictionary<string, TensorWidening> plan)
    {
        using var scope = NewDisposeScope();
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, tensor) in source.Optimizer)
        {
            int dot = key.LastIndexOf('.');
            var name = dot < 0 ? key : key[..dot];
            var field = dot < 0 ? "" : key[(dot + 1)..];
            if (!plan.TryGetValue(name, out var widening) || !tensor.shape.SequenceEqual(source.Model[name].shape))
            {
                result[key] = tensor;
                continue;
            }
            double scale = field.Contains("sq", StringComparison.OrdinalIgnoreCase) ? widening.GradientRatio * widening.GradientRatio : widening.GradientRatio;
            result[key] = Widen(tensor, widening).mul(scale).DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>The tensor tiled as <paramref name="widening"/> says (a copy).</summary>
    public static Tensor Widen(Tensor narrow, TensorWidening widening) => widening.Widened ? narrow.repeat(widening.Repeats) : narrow.clone();

    /// <summary>Matrices that multiply their input (stored [fan_out, fan_in]) sum over their second dimension.</summary>
    private static bool SumsOverWidenedDimension(ParameterDescriptor descriptor, long[] repeats) =>
        descriptor.Role is ParameterRole.Input or ParameterRole.Hidden or ParameterRole.Output && repeats.Length == 2 && repeats[1] != 1;

    private static bool IsMatrix(ParameterDescriptor descriptor) =>
        descriptor.Role is ParameterRole.Embedding or ParameterRole.Input or ParameterRole.Hidden or ParameterRole.Output && descriptor.Shape.Length == 2;

    /// <summary>
    /// A tied readout reuses the embedding, which is tiled without division, so its sum over the widened width grows by
    /// k: the function survives only if the readout's multiplier shrinks by k relative to the embedding's (muP's
    /// MuSharedReadout does; SP's does not).
    /// </summary>
    private static void CheckTiedUses(LoadedCheckpoint source, IReadOnlyList<ScaledParameter> wide, IReadOnlyList<ScaledParameter> wideTied,
        IReadOnlyDictionary<string, TensorWidening> plan, int factor)
    {
        if (wideTied.Count == 0)
            return;
        var narrowTied = source.Sidecar.TiedUses?.ToDictionary(t => t.Name);
        var owners = wide.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Name);
        foreach (var use in wideTied)
        {
            var owner = owners[use.Value.Handle];
            if (!plan[owner].Widened)
                continue;
            if (narrowTied is null || !narrowTied.TryGetValue(use.Descriptor.Name, out var before))
                throw new InvalidDataException($"{source.Folder} does not record the multiplier of its tied {use.Descriptor.Name} (written by an older Forge), so it cannot be widened; train it again, or untie the embeddings.");
            double ownerRatio = wide.First(p => p.Descriptor.Name == owner).Multiplier / source.Sidecar.Tensors.First(t => t.Name == owner).Multiplier;
            double useRatio = use.Multiplier / before.Multiplier;
            if (Math.Abs(useRatio * factor / ownerRatio - 1) > 1e-9)
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{use.Descriptor.Name} is tied to {owner}, and under this parametrization its multiplier changes by {useRatio:G4} when the width grows {Times(factor)} (the embedding's by {ownerRatio:G4}); widening keeps the function only when the readout's shrinks by the factor as well, as muP's does. Use mup, or set model.tieEmbeddings to false."));
        }
    }

    private static string Shape(long[] shape) => string.Join(", ", shape);

    private static string Times(int factor) => factor.ToString(CultureInfo.InvariantCulture) + "x";
}
