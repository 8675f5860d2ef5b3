using System.Diagnostics;
using Forge.Core.Training;

namespace Forge.Bench;

/// <summary>
/// A progress display that does what the plain one does (formats every report as its line) and notes when each report arrives.
/// With <c>logInterval</c> 1 the gap between two reports is one whole step of the training loop as a user runs it:
/// learning rates, batch, forward, backward, optimizer, gradient norm, read-back, metrics line and progress.
/// </summary>
public sealed class ProgressTimestamps : IProgress<ProgressUpdate>
{
    private readonly List<(int Step, long Ticks)> _reports = new();

    public void Report(ProgressUpdate update)
    {
        TextWriter.Null.WriteLine(update.Line);
        _reports.Add((update.Step, Stopwatch.GetTimestamp()));
    }

    /// <summary>
    /// Seconds of each step from the second to the one before the last: the first follows the initial evaluation and
    /// the last includes the final one, so both are left out.
    /// </summary>
    public IReadOnlyList<double> InnerStepSeconds()
    {
        var seconds = new List<double>();
        for (int i = 1; i < _reports.Count - 1; i++)
            seconds.Add((_reports[i].Ticks - _reports[i - 1].Ticks) / (double)Stopwatch.Frequency / (_reports[i].Step - _reports[i - 1].Step));
        return seconds;
    }
}
