using System.Globalization;

namespace Forge.Core.Training;

/// <summary>What the training loop reports at each logged step.</summary>
public sealed record ProgressUpdate(int Step, int TotalSteps, double Loss, double LearningRate, double? EvalLoss, TimeSpan Elapsed)
{
    /// <summary>Training tokens per second over the last logging interval (language models only).</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>Classification, on evaluation steps: the held-out top-1 accuracy, shown after the eval loss.</summary>
    public double? EvalAccuracy { get; init; }

    /// <summary>What callbacks reported at this step (e.g. <c>emaEvalLoss</c>), shown after the eval loss.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Reported { get; init; } = [];

    /// <summary>The figures after the step count, as one line: loss, eval loss, reported values, learning rate, tokens/s.</summary>
    public string Figures
    {
        get
        {
            var eval = EvalLoss is { } e ? string.Create(CultureInfo.InvariantCulture, $" eval {e:F4}") : "";
            if (EvalAccuracy is { } a)
                eval += string.Create(CultureInfo.InvariantCulture, $" accuracy {a:P1}");
            var reported = string.Concat(Reported.Select(r => string.Create(CultureInfo.InvariantCulture, $" {r.Key} {r.Value:F4}")));
            var tokens = TokensPerSecond is { } t ? string.Create(CultureInfo.InvariantCulture, $" {t:N0} tok/s") : "";
            return string.Create(CultureInfo.InvariantCulture, $"loss {Loss:F4}{eval}{reported} lr {LearningRate:E2}{tokens}");
        }
    }

    /// <summary>
    /// The step as one plain line (<c>step 40/200 loss 2.3100 eval 2.4000 lr 1.00E-003 ... elapsed 00:00:05 eta 00:00:20</c>):
    /// what plain output shows, and what a sweep reads a trial's progress from.
    /// </summary>
    public string Line => string.Create(CultureInfo.InvariantCulture,
        $"step {Step}/{TotalSteps} {Figures} elapsed {Elapsed:hh\\:mm\\:ss} eta {Remaining:hh\\:mm\\:ss}");

    /// <summary>Estimated time left, from the average time per step so far.</summary>
    public TimeSpan Remaining => Step == 0 ? TimeSpan.Zero : Elapsed / Step * (TotalSteps - Step);
}
