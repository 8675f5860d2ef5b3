using Forge.Host.Cli;
using Forge.Host.Console;

namespace Forge.Host.Sweeps;

/// <summary>
/// <c>forge sweep worker</c>: a process that runs one sweep trial after another, as <c>forge run</c> would, so that
/// short trials do not each pay for a process start, libtorch's load and the JIT. Requests and outcomes follow
/// <see cref="WorkerProtocol"/>. Each trial's output, its logger's and anything else written to the console go to the
/// trial's <c>log.txt</c>. Safe because every run seeds libtorch's global generator and sets its thread count when it
/// is built, and the built-in plugins keep no state between runs; <see cref="WorkerReuse"/> decides when it is used.
/// </summary>
internal static class SweepWorker
{
    public static async Task<int> RunAsync(TextReader requests, TextWriter protocol, CancellationToken cancellationToken)
    {
        while (await requests.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var outcome = await RunTrialAsync(WorkerProtocol.ReadRequest(line), text =>
            {
                protocol.WriteLine(text);
                protocol.Flush();
            }, cancellationToken);
            protocol.WriteLine(WorkerProtocol.End(outcome));
            protocol.Flush();
        }
        return ExitCodes.Success;
    }

    /// <summary>
    /// Runs one trial in this process as <c>forge run</c> would, its output, its logger's and anything else written
    /// to the console going to the trial's <c>log.txt</c> (and each output line to <paramref name="onOutput"/>).
    /// </summary>
    public static async Task<TrialOutcome> RunTrialAsync(TrialRequest request, Action<string> onOutput, CancellationToken cancellationToken)
    {
        var (consoleOut, consoleError) = (System.Console.Out, System.Console.Error);
        Directory.CreateDirectory(request.RunFolder);
        string? lastError = null;
        await using var log = new StreamWriter(Path.Combine(request.RunFolder, "log.txt"));
        void Log(string text)
        {
            lock (log)
                log.WriteLine(text);
        }
        using var output = new LineWriter(text =>
        {
            Log(text);
            onOutput(text);
        });
        using var error = new LineWriter(text =>
        {
            Log(text);
            lastError = TrialOutcome.ErrorIn(text) ?? lastError;
        });
        System.Console.SetOut(output); // the console logger of the run's host binds to these when it is built
        System.Console.SetError(error);
        try
        {
            int exitCode = await new RunCommand(output, error).ExecuteAsync(request.SpecPath, request.Overrides, request.RunsRoot,
                plain: true, verbose: false, cancellationToken, request.RunFolder);
            return new TrialOutcome(exitCode, lastError);
        }
        finally
        {
            System.Console.SetOut(consoleOut);
            System.Console.SetError(consoleError);
        }
    }
}
