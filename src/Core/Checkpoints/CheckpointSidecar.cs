using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;

namespace Forge.Core.Checkpoints;

/// <summary>
/// <c>checkpoint.json</c>, written last into a checkpoint folder: the training position, the random streams, the
/// resolved spec, the data's shapes and tokenizer, every tensor's role and shapes under the parametrization (so the checkpoint reloads under the same
/// rule without rebuilding a base model), versions, and the SHA-256 of each tensor file so a damaged file is refused.
/// </summary>
public sealed record CheckpointSidecar
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    public required int Step { get; init; }
    public required int PlannedSteps { get; init; }
    public required TrainingPosition Position { get; init; }

    /// <summary>The learning-rate schedule's factor at <see cref="Step"/> (the next update uses step+1's factor).</summary>
    public required double ScheduleFactor { get; init; }

    /// <summary>The training-data generator's state (base64): the data sampler's position.</summary>
    public required string DataGeneratorState { get; init; }

    /// <summary>libtorch's default CPU generator's state (base64).</summary>
    public required string TorchGeneratorState { get; init; }

    public required JsonObject Spec { get; init; }

    /// <summary>The dataset's shapes, so the model can be rebuilt without the data (<c>forge sample</c>); null in older checkpoints.</summary>
    public Forge.Abstractions.Data.DataDescription? Data { get; init; }

    /// <summary>The tokenizer of language-modeling data; null when the dataset names none, and in older checkpoints.</summary>
    public CheckpointTokenizer? Tokenizer { get; init; }
    public required string Parametrization { get; init; }
    public required IReadOnlyList<CheckpointTensor> Tensors { get; init; }

    /// <summary>Second uses of a trained tensor (a tied readout) with their own multiplier; null in checkpoints written before they were recorded.</summary>
    public IReadOnlyList<CheckpointTensor>? TiedUses { get; init; }

    /// <summary>Full path of the spec file the run was started from (its relative paths resolve from there); null in older checkpoints.</summary>
    public string? SpecPath { get; init; }

    /// <summary>The optimizer's type and its per-tensor scalar state (e.g. Adam's step count) as <c>tensor.field</c>.</summary>
    public required string Optimizer { get; init; }

    public required Dictionary<string, double> OptimizerScalars { get; init; }

    /// <summary>The callbacks' numbers by <c>key/name</c> (their tensors are in <c>callbacks.safetensors</c>); null in checkpoints without stateful callbacks.</summary>
    public Dictionary<string, double>? CallbackNumbers { get; init; }

    public required string ForgeVersion { get; init; }
    public required Dictionary<string, string> PluginVersions { get; init; }

    /// <summary>File name → SHA-256 (hex) of <c>model.safetensors</c>, <c>optimizer.safetensors</c> and, when callbacks keep tensors, <c>callbacks.safetensors</c>.</summary>
    public required Dictionary<string, string> Sha256 { get; init; }

    /// <summary>Data-parallel ranks that trained it; null (one process) in checkpoints written before ranks were recorded.</summary>
    public int? Ranks { get; init; }

    /// <summary>Kept forever by the keepLast pruning (checkpoint.permanentInterval).</summary>
    public bool Permanent { get; init; }

    public required DateTimeOffset WrittenAt { get; init; }
}

/// <summary>One trainable tensor as the parametrization saw it.</summary>
public sealed record CheckpointTensor(string Name, ParameterRole Role, long[] Shape, Dimension FanOut, Dimension FanIn,
    double Multiplier, double LearningRateFactor, double WeightDecayFactor, int? Block);
