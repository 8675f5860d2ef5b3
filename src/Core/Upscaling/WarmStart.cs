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

    private WarmStart(LoadedCheckpoint source, InitOptions options, IReadOnlyDictionary<string, TensorWidening> plan, SpecLoader loader)
    {
        _loader = loader;
        Source = source;
        Options = options;
        Plan = plan;
    }

    public LoadedCheckpoint Source { get; }

    public InitOptions Options { get; }

    public IReadOnlyDictionary<string, TensorWidening> Plan { get; }

    /// <summary>The largest |narrow − wide| output on the check batch, relative to the largest |output| (set by <see cref="Apply"/>).</summary>
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

    /// <summary>This run's tensors with Adam's ε scaled by each tensor's gradient ratio, so the widened optimizer takes the narrow one's steps.</summary>
    public IReadOnlyList<ScaledParameter> Adjust(IReadOnlyList<ScaledParameter> parameters) => parameters
        .Select(p => p with { Scaling = p.Scaling with { EpsilonFactor = p.Scaling.EpsilonFactor * Plan[p.Descriptor.Name].GradientRatio } })
        .ToList();

    /// <summary>
    /// Builds the checkpoint's own model from the spec it recorded (with <paramref name="build"/>) and puts the widened
    /// checkpoint into <paramref name="wide"/> (<see cref="Apply(Experiment, Experiment)"/>), then says what it did in <see cref="Experiment.StartedFrom"/>.
    /// </summary>
    public void Apply(Experiment wide, Func<ResolvedSpec, Experiment> build)
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
        using (var narrow = build(narrowSpec))
            Apply(wide, narrow);
        wide.StartedFrom = new WarmStartReport(Source.Folder, Source.Sidecar.Step, Options.Upscale, Plan.Values.Count(w => w.Widened), Plan.Count,
            FunctionMismatch, Options.Noise, Options.OptimizerState).Describe();
    }

    /// <summary>
    /// Puts the widened weights (and optimizer state, with <c>init.optimizerState</c>) into <paramref name="wide"/>,
    /// checks the function against <paramref name="narrow"/> (the checkpoint's own model, built from its spec) on one
    /// training batch before any noise is added, then adds <c>init.noise</c>.
    /// </summary>
    private void Apply(Experiment wide, Experiment narrow)
    {
        if (Options.OptimizerState)
        {
            var optimizerType = TrainingCheckpoint.OptimizerType(wide);
            if (Source.Sidecar.Optimizer != optimizerType)
                throw new RunSetupException($"init.from: {Source.Folder} holds the state of {Source.Sidecar.Optimizer}, but this run's optimizer is {optimizerType}; use the same optimizer, or set init.optimizerState to false to start it afresh.");
        }
        var fresh = Options.Noise > 0
            ? wide.Parameters.ToDictionary(p => p.Descriptor.Name, p => p.Value.detach().clone().DetachFromDisposeScope())
            : null;
        try
        {
            WidthUpscaling.CopyWeights(Source, Plan, wide.Parameters);
            if (Options.OptimizerState)
            {
                var state = WidthUpscaling.OptimizerTensors(Source, Plan);
                OptimizerState.Restore(wide, state, Source.Sidecar.OptimizerScalars);
                foreach (var (key, tensor) in state)
                    if (!ReferenceEquals(tensor, Source.Optimizer.GetValueOrDefault(key)))
                        tensor.Dispose();
            }
            TrainingCheckpoint.CopyWeights(Source, narrow);
            FunctionMismatch = Mismatch(narrow, wide);
            double tolerance = wide.Precision.RoundsNothing ? 1e-4 : 5e-2; // bf16 and fp8 round the two models' outputs differently
            if (!(FunctionMismatch <= tolerance))
                throw new RunSetupException(string.Create(CultureInfo.InvariantCulture,
                    $"init: widening {Source.Folder} {Options.Upscale}x changed the model's outputs by {FunctionMismatch:G3} of their size (more than {tolerance:G1}), so this model or parametrization is not widened exactly by duplicating units. Widen a model whose attention heads keep their size (gpt: set headDim, not heads)."));
            if (fresh is not null)
                WidthUpscaling.AddNoise(wide.Parameters, fresh, Options.Noise);
        }
        finally
        {
            foreach (var tensor in fresh?.Values ?? Enumerable.Empty<Tensor>())
                tensor.Dispose();
        }
    }

    /// <summary>The spec the checkpoint was trained with, without its <c>init</c> and <c>sweep</c> sections: what builds the checkpoint's own model.</summary>
    public JsonObject NarrowDocument()
    {
        var document = Source.Sidecar.Spec.DeepClone().AsObject();
        document.Remove("init");
        document.Remove("sweep");
        return document;
    }

    /// <summary>max |f_narrow − f_wide| / max(1, max |f_narrow|) on a training batch drawn from a stream of its own.</summary>
    private static double Mismatch(Experiment narrow, Experiment wide)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)wide.Spec.Experiment.Seed ^ CheckStream);
        using var batch = wide.Dataset.NextTrainingBatch(4, generator);
        narrow.Model.eval();
        wide.Model.eval();
        try
        {
            var a = narrow.Model.call(batch.Inputs).to(float64);
            var b = wide.Model.call(batch.Inputs).to(float64);
            double scale = Math.Max(1.0, a.abs().max().item<double>());
            return (a - b).abs().max().item<double>() / scale;
        }
        finally
        {
            narrow.Model.train();
            wide.Model.train();
        }
    }

    public void Dispose() => Source.Dispose();
}
