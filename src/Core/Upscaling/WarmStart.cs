using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Upscaling;

/// <summary>
/// The <c>init</c> section at work: a checkpoint to start from, the plan that maps its tensors onto this run's model
/// (widened by <c>init.upscale</c>), and the check that the widened model computes the checkpoint's function.
/// </summary>
public sealed class WarmStart : IStartingPoint
{
    private const ulong CheckStream = 0xC2B2_AE3D_27D4_EB4F;

    private readonly SpecLoader _loader;
    private Experiment? _narrow;
    private int _measuredRatios;

    private WarmStart(LoadedCheckpoint source, InitOptions options, IReadOnlyDictionary<string, TensorWidening> plan, SpecLoader loader)
    {
        _loader = loader;
        Source = source;
        Options = options;
        Plan = plan;
    }

    public LoadedCheckpoint Source { get; }

    public InitOptions Options { get; }

    /// <summary>How each tensor is widened; after <see cref="Adjust"/>, with the measured gradient ratios.</summary>
    public IReadOnlyDictionary<string, TensorWidening> Plan { get; private set; }

    /// <summary>The largest |narrow − wide| output on the check batch, relative to the largest |output| (set by <see cref="Adjust"/>).</summary>
    public double FunctionMismatch { get; private set; }

    /// <summary>Loads <c>init.from</c> and plans the widening of its tensors onto <paramref name="parameters"/>; a missing, damaged or unfit checkpoint is a <see cref="RunSetupException"/>.</summary>
    public static WarmStart Prepare(ResolvedSpec spec, IReadOnlyList<ScaledParameter> parameters, IReadOnlyList<ScaledParameter> tied, SpecLoader loader)
    {
        var options = spec.Experiment.Init;
        var folder = Path.GetFullPath(options.From!, spec.SpecDirectory);
        LoadedCheckpoint source;
        try
        {
            source = CheckpointStore.Load(folder);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new RunSetupException($"init.from: {e.Message} Point it at a checkpoint folder (runs/NAME/TIME/checkpoints/step-N) that a finished run left.", e);
        }
        try
        {
            return new WarmStart(source, options, WidthUpscaling.Plan(source, parameters, tied, options.Upscale), loader);
        }
        catch (InvalidDataException e)
        {
            source.Dispose();
            throw new RunSetupException($"init: {e.Message} Check model.width against init.upscale (this model must be init.upscale times as wide as the checkpoint's, everything else equal).", e);
        }
    }

    /// <summary>
    /// Builds the checkpoint's own model from the spec it recorded (with <paramref name="build"/>), puts the widened
    /// checkpoint into <paramref name="wide"/>, checks on one training batch that the widened model computes the
    /// checkpoint's function, measures how each tensor's gradient changed (<see cref="GradientRatios"/>), then adds
    /// <c>init.noise</c>. Returns the tensors with Adam's ε scaled by each tensor's gradient ratio, so the widened
    /// optimizer takes the narrow one's steps.
    /// </summary>
    public IReadOnlyList<ScaledParameter> Adjust(StartingModel wide, Func<ResolvedSpec, Experiment> build)
    {
        ResolvedSpec narrowSpec;
        try
        {
            narrowSpec = _loader.Resolve(NarrowDocument(), Source.Sidecar.SpecPath ?? wide.Spec.SpecPath, Array.Empty<string>());
        }
        catch (SpecException e)
        {
            throw new RunSetupException($"init.from: the spec recorded in {Source.Folder} no longer resolves: {e.Message}", e);
        }
        _narrow = build(narrowSpec);
        var fresh = Options.Noise > 0
            ? wide.Parameters.ToDictionary(p => p.Descriptor.Name, p => p.Value.detach().clone().DetachFromDisposeScope())
            : null;
        try
        {
            WidthUpscaling.CopyWeights(Source, Plan, wide.Parameters);
            TrainingCheckpoint.CopyWeights(Source, _narrow);
            using (var scope = NewDisposeScope())
            using (var generator = new Generator((ulong)wide.Spec.Experiment.Seed ^ CheckStream))
            using (var batch = wide.Dataset.NextTrainingBatch(4, generator))
            {
                FunctionMismatch = Mismatch(_narrow.Model, wide.Model, batch);
                bool rounds = !_narrow.Precision.RoundsNothing;
                double tolerance = rounds ? 5e-2 : 1e-4; // bf16 and fp8 round the two models' outputs differently
                if (!(FunctionMismatch <= tolerance))
                    throw new RunSetupException(string.Create(CultureInfo.InvariantCulture,
                        $"init: widening {Source.Folder} {Options.Upscale}x changed the model's outputs by {FunctionMismatch:G3} of their size (more than {tolerance:G1}), so this model or parametrization is not widened exactly by duplicating units. Widen a model whose attention heads keep their size (gpt: set headDim, not heads)."));
                Plan = WithMeasuredRatios(GradientRatios.Measure(_narrow, wide, Plan, batch), rounds);
            }
            if (fresh is not null)
                WidthUpscaling.AddNoise(wide.Parameters, fresh, Options.Noise);
        }
        finally
        {
            foreach (var tensor in fresh?.Values ?? Enumerable.Empty<Tensor>())
                tensor.Dispose();
        }
        return wide.Parameters
            .Select(p => p with { Scaling = p.Scaling with { EpsilonFactor = p.Scaling.EpsilonFactor * Plan[p.Descriptor.Name].GradientRatio } })
            .ToList();
    }

    /// <summary>
    /// Puts the widened optimizer state (with <c>init.optimizerState</c>) into <paramref name="wide"/>, each tensor's
    /// moments scaled by its gradient ratio, and says what was done in <see cref="Experiment.StartedFrom"/>.
    /// </summary>
    public void Apply(Experiment wide)
    {
        if (Options.OptimizerState)
        {
            var optimizerType = TrainingCheckpoint.OptimizerType(wide);
            if (Source.Sidecar.Optimizer != optimizerType)
                throw new RunSetupException($"init.from: {Source.Folder} holds the state of {Source.Sidecar.Optimizer}, but this run's optimizer is {optimizerType}; use the same optimizer, or set init.optimizerState to false to start it afresh.");
            var state = WidthUpscaling.OptimizerTensors(Source, Plan);
            OptimizerState.Restore(wide, state, Source.Sidecar.OptimizerScalars);
            foreach (var (key, tensor) in state)
                if (!ReferenceEquals(tensor, Source.Optimizer.GetValueOrDefault(key)))
                    tensor.Dispose();
        }
        wide.StartedFrom = new WarmStartReport(Source.Folder, Source.Sidecar.Step, Options.Upscale, Plan.Values.Count(w => w.Widened), Plan.Count,
            FunctionMismatch, Options.Noise, Options.OptimizerState) { MeasuredRatios = _measuredRatios }.Describe();
    }

    /// <summary>
    /// The plan with each tensor's measured gradient ratio where it differs from the derived one by more than 0.1 %
    /// (5 % under a rounding precision: below that the difference is rounding, and the derived ratio is exact) and the
    /// gradient is that multiple of the tiled narrow one (residual under the same tolerance). A gradient that is no multiple is
    /// rounding noise around an exact zero (an attention key's bias: softmax ignores what it adds to every logit of a
    /// row), and keeps the derived ratio.
    /// </summary>
    private IReadOnlyDictionary<string, TensorWidening> WithMeasuredRatios(IReadOnlyList<GradientRatios.Measurement> measured, bool rounds)
    {
        double tolerance = rounds ? 5e-2 : 1e-3;
        var plan = new Dictionary<string, TensorWidening>(Plan);
        foreach (var m in measured)
        {
            var derived = plan[m.Name];
            if (Math.Abs(m.Ratio / derived.GradientRatio - 1) <= tolerance || !(m.Residual <= tolerance))
                continue;
            plan[m.Name] = derived with { GradientRatio = m.Ratio };
            _measuredRatios++;
        }
        return plan;
    }

    /// <summary>The spec the checkpoint was trained with, without its <c>init</c> and <c>sweep</c> sections: what builds the checkpoint's own model.</summary>
    public JsonObject NarrowDocument() => SpecSections.WithoutStartAndSweep(Source.Sidecar.Spec);

    /// <summary>max |f_narrow − f_wide| / max(1, max |f_narrow|) on <paramref name="batch"/>, in eval mode.</summary>
    private static double Mismatch(nn.Module<Tensor, Tensor> narrow, nn.Module<Tensor, Tensor> wide, Forge.Abstractions.Data.Batch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        narrow.eval();
        wide.eval();
        try
        {
            var a = narrow.call(batch.Inputs).to(float64);
            var b = wide.call(batch.Inputs).to(float64);
            double scale = Math.Max(1.0, a.abs().max().item<double>());
            return (a - b).abs().max().item<double>() / scale;
        }
        finally
        {
            narrow.train();
            wide.train();
        }
    }

    public void Dispose()
    {
        _narrow?.Dispose();
        Source.Dispose();
    }
}
