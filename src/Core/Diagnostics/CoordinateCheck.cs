using System.Text.Json.Nodes;
using static TorchSharp.torch;
using Forge.Core.Composition;

namespace Forge.Core.Diagnostics;

/// <summary>One measurement: mean |output| of a module in the forward pass of step <see cref="Step"/> (1 = at init).</summary>
public sealed record CoordinateSample(int Width, long Seed, int Step, string Module, double MeanAbs)
{
    /// <summary>Whether the module is the model's readout (it owns a tensor of role Output, or a tied use of one).</summary>
    public bool IsReadout { get; init; }
}

/// <summary>
/// The coordinate check of Tensor Programs V / microsoft/mup's <c>coord_check.py</c> (docs/reference/
/// coordinate-check.md): the same spec is built at several widths; each trains a few steps on one fixed
/// batch with the spec's optimizer and learning rate (constant, no clipping), and a forward hook records the
/// mean absolute value of every module's output during the forward pass of each step, so step 1 is the
/// initialisation. Under a width-consistent parametrization every curve is flat in width.
/// </summary>
public sealed class CoordinateCheck(SpecLoader loader, Func<ResolvedSpec, Experiment> build)
{
    public IReadOnlyList<CoordinateSample> Run(JsonObject document, string specPath, IReadOnlyList<string> overrides,
        IReadOnlyList<int> widths, int steps, int seeds, Action<string>? progress = null)
    {
        var samples = new List<CoordinateSample>();
        long firstSeed = loader.Resolve(document.DeepClone().AsObject(), specPath, overrides).Experiment.Seed;
        foreach (int width in widths)
        for (long seed = firstSeed; seed < firstSeed + seeds; seed++)
        {
            var spec = loader.Resolve(document.DeepClone().AsObject(), specPath, overrides.Concat(new[] { $"model.width={width}", $"seed={seed}" }).ToList());
            using var experiment = build(spec);
            samples.AddRange(Measure(experiment, width, seed, steps));
            progress?.Invoke($"width {width}, seed {seed}: done");
        }
        return samples;
    }

    private static List<CoordinateSample> Measure(Experiment experiment, int width, long seed, int steps)
    {
        experiment.Environment.UseThreads();
        var samples = new List<CoordinateSample>();
        int step = 0;
        var hooks = new List<Action>();
        var readouts = experiment.Parameters.Concat(experiment.TiedUses)
            .Where(p => p.Descriptor.Role == Forge.Abstractions.Parametrizations.ParameterRole.Output)
            .Select(p => p.Descriptor.Name[..Math.Max(0, p.Descriptor.Name.LastIndexOf('.'))])
            .ToHashSet();
        foreach (var (name, module) in HookableModules.Of(experiment.Model))
        {
            var remover = module.register_forward_hook((_, _, output) =>
            {
                samples.Add(new CoordinateSample(width, seed, step, name, output.detach().abs().mean().item<float>()) { IsReadout = readouts.Contains(name) });
                return output;
            });
            hooks.Add(remover.remove);
        }
        try
        {
            using var generator = DataStreams.Training(seed);
            using var batch = experiment.Dataset.NextTrainingBatch(experiment.Spec.Experiment.Training.BatchSize, generator);
            for (step = 1; step <= steps; step++)
            {
                using var scope = NewDisposeScope();
                experiment.Optimizer.zero_grad();
                LossFunction.Compute(experiment, experiment.Model.call(batch.Inputs), batch.Targets).backward();
                experiment.Optimizer.step();
            }
        }
        finally
        {
            foreach (var remove in hooks)
                remove();
        }
        return samples;
    }
}
