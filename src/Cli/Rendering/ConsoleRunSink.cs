using Forge.Core.Runs;
using Forge.Core.Training;
using Spectre.Console;

namespace Forge.Cli.Rendering;

/// <summary>
/// Shows a run on the console: its header lines, then a live progress bar on an interactive terminal or one line per
/// logged step otherwise, warnings on the error stream, and the closing line (on the error stream when the run did
/// not complete, with its error).
/// </summary>
internal sealed class ConsoleRunSink(TextWriter output, TextWriter error, bool live) : IRunSink, IDisposable
{
    private LiveProgress? _live;

    public void Joined(int rank, int ranks, string description)
    {
        output.WriteLine($"rank {rank} of {ranks} ({description})");
        output.Flush();
    }

    public void Started(RunStarted run)
    {
        foreach (var line in run.Lines())
            output.WriteLine(line);
        if (live)
            _live = new LiveProgress(AnsiConsole.Console, run.TotalSteps);
    }

    public void Progress(ProgressUpdate update)
    {
        if (_live is not null)
            _live.Report(update);
        else
        {
            output.WriteLine(update.Line);
            output.Flush();
        }
    }

    public void Warning(string message) => error.WriteLine($"warning: {message}");

    public void Finished(RunSummary summary, string summaryPath)
    {
        _live?.Dispose();
        _live = null;
        var ending = RunEnding.Of(summary, summaryPath);
        foreach (var line in ending.Output)
            output.WriteLine(line);
        if (ending.Error is { } text)
            error.WriteLine($"error: {text}");
    }

    public void Dispose() => _live?.Dispose();
}
