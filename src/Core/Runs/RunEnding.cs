using Forge.Core.Training;

namespace Forge.Core.Runs;

/// <summary>
/// What a run's output ends with, however it is shown (the console, a sweep trial's log): the lines for the output
/// stream (the fp8 rounding line, if any, and the closing line of a completed run) and, when the run did not complete,
/// the error (its closing line and what went wrong).
/// </summary>
public sealed record RunEnding(IReadOnlyList<string> Output, string? Error)
{
    public static RunEnding Of(RunSummary summary, string summaryPath)
    {
        var output = new List<string>();
        if (summary.Rounding is { } rounding)
            output.Add($"{summary.Name}: {rounding.Describe()}");
        var text = summary.Describe(summaryPath);
        if (summary.Status is RunStatus.Completed or RunStatus.Paused)
        {
            output.Add(text);
            return new RunEnding(output, null);
        }
        return new RunEnding(output, $"{text}. {summary.Error}");
    }
}
