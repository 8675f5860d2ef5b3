using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Plugins;

namespace Forge.Core.Specs;

/// <summary>
/// The <c>init</c> section: start from a trained checkpoint instead of a fresh initialisation, optionally widened by an
/// integer factor so that the wider model computes the same function (docs/reference/upscaling.md).
/// </summary>
public sealed class InitOptions : IValidatableObject
{
    [Description("Checkpoint folder (a run's checkpoints/step-N; relative to this spec) whose weights and optimizer state this run starts from. The run itself starts at step 0 with its own schedule and data stream.")]
    [SpecPath]
    public string? From { get; set; }

    [Description("Factor by which this spec's model is wider than the checkpoint's (1: the same model). Width units are duplicated and weights that sum over a widened dimension divided, so the widened model computes the checkpoint's function exactly.")]
    [Range(1, 1024)]
    public int Upscale { get; set; } = 1;

    [Description("Symmetry-breaking noise after widening: this times a fresh initialisation (under this spec's parametrization, at the new width) is added to every weight matrix. 0 keeps the function exactly, but duplicated units then stay identical forever.")]
    [Range(0.0, 100.0)]
    public double Noise { get; set; }

    [Description("Carry the optimizer's state (moments, momentum, step counts), scaled as the widened gradients are; false starts the optimizer afresh.")]
    public bool OptimizerState { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (From is null && (Upscale != 1 || Noise != 0))
            yield return new ValidationResult("upscale and noise need a checkpoint to widen; set init.from to a checkpoint folder (e.g. runs/NAME/TIME/checkpoints/step-00000200).", new[] { nameof(From) });
    }
}
