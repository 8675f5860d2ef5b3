using Forge.Core.Errors;

namespace Forge.Sweeps;

/// <summary>
/// <c>forge sweep worker</c>: a process that runs one sweep trial after another (<see cref="TrialExecution"/>), so that
/// short trials do not each pay for a process start, libtorch's load and the JIT. Requests and outcomes follow
/// <see cref="WorkerProtocol"/>; each trial's output goes to its <c>log.txt</c> and, line by line, to the runner.
/// Safe because every run seeds libtorch's global generator and sets its thread count when it is built, and the
/// built-in plugins keep no state between runs; <see cref="WorkerReuse"/> decides when it is used.
/// </summary>
public static class SweepWorker
{
    public static async Task<int> RunAsync(TextReader requests, TextWriter protocol, CancellationToken cancellationToken)
    {
        while (await requests.ReadLineAsync(cancellationToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var outcome = await TrialExecution.RunAsync(WorkerProtocol.ReadRequest(line), text =>
            {
                lock (protocol)
                {
                    protocol.WriteLine(text);
                    protocol.Flush();
                }
            }, cancellationToken);
            lock (protocol)
            {
                protocol.WriteLine(WorkerProtocol.End(outcome));
                protocol.Flush();
            }
        }
        return ExitCodes.Success;
    }
}
