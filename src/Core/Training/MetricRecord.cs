using System.Text.Json.Serialization;
using Forge.Abstractions.Precision;

namespace Forge.Core.Training;

/// <summary>One line of <c>metrics.jsonl</c>: the state after <see cref="Step"/> updates.</summary>
public sealed record MetricRecord
{
    public required int Step { get; init; }
    public required double Loss { get; init; }
    public required double Lr { get; init; }
    public required double GradNorm { get; init; }
    public required double ExamplesPerSecond { get; init; }
    public double? TokensPerSecond { get; init; }
    public double? EvalLoss { get; init; }

    /// <summary>Classification: top-1 accuracy of the logged training batch (before its update) over all ranks.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>Classification, on evaluation steps: top-1 accuracy on the held-out batches.</summary>
    public double? EvalAccuracy { get; init; }
    public required double ElapsedSeconds { get; init; }

    /// <summary>Examples (sequences or samples) trained on so far.</summary>
    public long? Samples { get; init; }

    /// <summary>Language models: tokens (predictions) trained on so far.</summary>
    public long? Tokens { get; init; }

    /// <summary>Under MPI: mean milliseconds per update spent all-reducing gradients (or, under training.sync, parameters) since the last logged step.</summary>
    public double? AllReduceMsPerStep { get; init; }

    /// <summary>True when this loss is a spike (guard.spikeRatio over the running median of logged losses).</summary>
    public bool? Spike { get; init; }

    /// <summary>On evaluation steps: the L2 norm of all weights of each role (embedding, hidden, bias, ...).</summary>
    public IReadOnlyDictionary<string, double>? WeightNorms { get; init; }

    /// <summary>On evaluation steps, for Adam-family state: mean of lr / (sqrt(v̂) + ε) over each role's elements.</summary>
    public IReadOnlyDictionary<string, double>? AdamEffectiveLr { get; init; }

    /// <summary>Under a rounding precision policy (fp8): values that saturated in this step's forward and backward passes, over all tensors.</summary>
    public long? Saturated { get; init; }

    /// <summary>Under a rounding precision policy: non-zero values that rounded to zero in this step, over all tensors.</summary>
    public long? Underflowed { get; init; }

    /// <summary>Under a rounding precision policy: the counts per tensor (inputs, weights and gradients of each product) in this step.</summary>
    public IReadOnlyList<RoundingCount>? Rounding { get; init; }

    /// <summary>What the spec's callbacks reported at this step (e.g. <c>emaEvalLoss</c>), written beside the other fields.</summary>
    [JsonExtensionData]
    public Dictionary<string, object>? Reported { get; init; }
}
