using System.Globalization;
using Forge.Core.Errors;
using Forge.Core.Training;

namespace Forge.Core.Runs;

/// <summary>The content of <c>summary.json</c>.</summary>
public sealed record RunSummary
{
    public required string Name { get; init; }
    public required RunStatus Status { get; init; }
    public string? Error { get; init; }
    public required int Steps { get; init; }
    public required int PlannedSteps { get; init; }
    public double? InitialEvalLoss { get; init; }
    public double? FinalTrainLoss { get; init; }
    public double? FinalEvalLoss { get; init; }
    public double? BestEvalLoss { get; init; }
    public int? BestEvalStep { get; init; }

    /// <summary>Classification: top-1 accuracy on the held-out batches before training.</summary>
    public double? InitialEvalAccuracy { get; init; }

    /// <summary>Classification: top-1 accuracy on the held-out batches at the last evaluation.</summary>
    public double? FinalEvalAccuracy { get; init; }

    /// <summary>Classification: the best held-out top-1 accuracy of any evaluation.</summary>
    public double? BestEvalAccuracy { get; init; }
    public required double WallSeconds { get; init; }
    public long? Parameters { get; init; }
    public required string Device { get; init; }
    public required long Seed { get; init; }
    public required IReadOnlyList<string> Overrides { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }

    /// <summary>Under a rounding precision policy (fp8): saturation and underflow at the last logged step.</summary>
    public RoundingSummary? Rounding { get; init; }

    /// <summary>The checkpoint this run started from, if it resumed.</summary>
    public string? ResumedFrom { get; init; }

    /// <summary>The newest checkpoint of the run (written at the end, on interruption, or at the interval).</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Checkpoints that could not be written (the previous one was kept).</summary>
    public int CheckpointFailures { get; init; }

    public int SkippedUpdates { get; init; }
    public int Rollbacks { get; init; }
    public int LossSpikes { get; init; }

    /// <summary>On divergence: the tensors whose gradients or values were NaN or infinite.</summary>
    public IReadOnlyList<string>? NonFiniteTensors { get; init; }

    /// <summary>The last value of everything the spec's callbacks reported (e.g. <c>emaEvalLoss</c>).</summary>
    public IReadOnlyDictionary<string, double>? Reported { get; init; }

    /// <summary>The exit code of <c>forge run</c> for this outcome: 0 completed or paused, 130 interrupted, 1 otherwise.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int ExitCode => Status switch
    {
        RunStatus.Completed or RunStatus.Paused => ExitCodes.Success,
        RunStatus.Interrupted => ExitCodes.Interrupted,
        _ => ExitCodes.Failed,
    };

    /// <summary>
    /// The line that ends a run's output: its status, steps, time and losses, the last value of what callbacks reported,
    /// and where the summary is.
    /// </summary>
    public string Describe(string summaryPath)
    {
        var reported = string.Concat((Reported ?? new Dictionary<string, double>()).Select(r => $", {r.Key} {Format(r.Value)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{Status.ToString().ToLowerInvariant()} after {Steps} steps in {WallSeconds:F1} s: eval loss {Format(InitialEvalLoss)} before training, {Format(FinalEvalLoss)} after, best {Format(BestEvalLoss)} at step {BestEvalStep?.ToString(CultureInfo.InvariantCulture) ?? "-"}{(FinalEvalAccuracy is { } accuracy ? $", accuracy {accuracy:P2} (best {BestEvalAccuracy:P2})" : "")}{reported}; summary in {summaryPath}");
    }

    private static string Format(double? value) => value?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
}
