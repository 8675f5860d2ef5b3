using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Parametrizations;

namespace Forge.Core.Specs;

/// <summary>The <c>training</c> section: how long, how big, how often to evaluate and log, clipping and schedule.</summary>
public sealed class TrainingOptions : IValidatableObject
{
    [Description("Number of optimizer updates.")]
    [Range(1, int.MaxValue)]
    public int Steps { get; set; } = 200;

    [Description("Examples (sequences for text) per update.")]
    [Range(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    [Description("Evaluate on held-out data every this many updates (and always after the last); 0 = only after the last.")]
    [Range(0, int.MaxValue)]
    public int EvalInterval { get; set; } = 100;

    [Description("Gradient accumulation: each update's batch (each rank's slice of it, under MPI) runs forward and backward in this many equal parts; batchSize must be a multiple of microBatches times the ranks. The gradients are combined as the parametrization says (a mean for plain ops), so the update is the whole batch's.")]
    [Range(1, 1 << 16)]
    public int MicroBatches { get; set; } = 1;

    [Description("Low-communication data parallelism: ranks train on their own and average their parameters every sync.every steps (local SGD, or DiLoCo with outer: nesterov) instead of all-reducing gradients every step. Omit for ordinary data parallelism.")]
    public SyncOptions? Sync { get; set; }

    [Description("Held-out batches per evaluation.")]
    [Range(1, int.MaxValue)]
    public int EvalBatches { get; set; } = 4;

    [Description("Write metrics (and read values from the device) every this many updates.")]
    [Range(1, int.MaxValue)]
    public int LogInterval { get; set; } = 10;

    [Description("Clip the global gradient norm to this value; 0 disables clipping.")]
    [Range(0.0, double.MaxValue)]
    public double GradClip { get; set; } = 1.0;

    [Description("Roles whose tensors get the optimizer's weight decay; the others never decay. Default: the matrices (embedding, input, hidden, output), not biases or norms.")]
    public List<ParameterRole> WeightDecayRoles { get; set; } = new() { ParameterRole.Embedding, ParameterRole.Input, ParameterRole.Hidden, ParameterRole.Output };

    [Description("Learning-rate schedule, a factor on every parameter group's learning rate.")]
    public ScheduleOptions Schedule { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MicroBatches >= 1 && BatchSize >= 1 && BatchSize % MicroBatches != 0)
            yield return new ValidationResult(
                $"batchSize {BatchSize} is not a multiple of microBatches {MicroBatches}; choose microBatches among the divisors of {BatchSize}.",
                new[] { nameof(MicroBatches) });
        if (Steps >= 1 && Schedule.WarmupSteps > Steps)
            yield return new ValidationResult(
                $"schedule.warmupSteps ({Schedule.WarmupSteps}) is larger than steps ({Steps}); use at most {Steps} warmup steps.",
                new[] { nameof(Schedule) });
    }
}

/// <summary>How the learning rate decays after warmup.</summary>
public enum DecayKind
{
    Constant,
    Linear,
    Cosine,
}

/// <summary>The <c>training.schedule</c> section: linear warmup from 0, then constant, linear or cosine decay.</summary>
public sealed class ScheduleOptions
{
    [Description("Decay after warmup: constant, linear or cosine.")]
    public DecayKind Decay { get; set; } = DecayKind.Cosine;

    [Description("Updates of linear warmup from 0 to the full learning rate.")]
    [Range(0, int.MaxValue)]
    public int WarmupSteps { get; set; }

    [Description("Final learning rate as a fraction of the peak (linear and cosine decay).")]
    [Range(0.0, 1.0)]
    public double MinLrRatio { get; set; } = 0.1;
}

/// <summary>How parameters are averaged when ranks train on their own (low-communication training).</summary>
public enum OuterUpdate
{
    /// <summary>Replace every rank's parameters by their mean (local SGD).</summary>
    Average,
    /// <summary>DiLoCo (Douillard et al. 2023): the mean's distance from the last synchronised parameters is an outer gradient, applied by SGD with Nesterov momentum.</summary>
    Nesterov,
}

/// <summary>
/// The <c>training.sync</c> section: instead of all-reducing gradients every step, each rank takes <see cref="Every"/>
/// steps with its own optimizer on its own slice of each batch, then the ranks' parameters are averaged, plainly or
/// through an outer Nesterov step.
/// </summary>
public sealed class SyncOptions
{
    [Description("Local steps between two synchronisations of the parameters (H).")]
    [Range(1, 1 << 20)]
    public int Every { get; set; } = 8;

    [Description("average (local SGD) or nesterov (DiLoCo's outer SGD with Nesterov momentum).")]
    public OuterUpdate Outer { get; set; } = OuterUpdate.Average;

    [Description("Outer learning rate of nesterov (DiLoCo: 0.7).")]
    [Range(0.0, 10.0)]
    public double OuterLr { get; set; } = 0.7;

    [Description("Outer momentum of nesterov (DiLoCo: 0.9).")]
    [Range(0.0, 0.999)]
    public double OuterMomentum { get; set; } = 0.9;
}
