using System.Diagnostics;

namespace Forge.Sweeps;

/// <summary>
/// The runner's side of one long-lived <c>forge sweep worker</c> process: sends it a trial, relays the trial's output
/// lines, and returns the outcome. When the process dies during a trial (a native crash, the OOM killer) the trial
/// fails with its exit code and the last lines it wrote to standard error, and the process is not used again.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private const int ErrorTailLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _errorTail = new();
    private readonly Task _errorPump;

    private WorkerProcess(Process process)
    {
        _process = process;
        _errorPump = PumpErrors();
    }

    /// <summary>Whether it can take another trial.</summary>
    public bool Alive => !_process.HasExited;

    public static WorkerProcess Start()
    {
        var start = ForgeExecutable.Start(new[] { "sweep", "worker" });
        start.RedirectStandardInput = true;
        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start a sweep worker process."));
    }

    /// <summary>Runs one trial; <paramref name="onLine"/> sees each line of its output. Cancelling kills the process.</summary>
    public async Task<TrialOutcome> RunAsync(TrialRequest request, Action<string> onLine, CancellationToken cancellationToken)
    {
        lock (_errorTail)
            _errorTail.Clear();
        try
        {
            await _process.StandardInput.WriteLineAsync(WorkerProtocol.Request(request).AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
            {
                if (WorkerProtocol.ReadEnd(line) is { } outcome)
                    return outcome;
                onLine(line);
            }
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        catch (IOException)
        {
            // the pipe broke: the process is gone; reported below
        }
        await _process.WaitForExitAsync(CancellationToken.None);
        await _errorPump;
        string tail;
        lock (_errorTail)
            tail = string.Join(" | ", _errorTail);
        int exitCode = _process.ExitCode == 0 ? 1 : _process.ExitCode;
        return new TrialOutcome(exitCode, $"the worker process ended during the trial (exit {_process.ExitCode}){(tail.Length > 0 ? ": " + tail : "")}");
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Closes its input so that it ends after its current trial; kills it if it has not ended within a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(grace.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        await _errorPump;
        _process.Dispose();
    }

    private async Task PumpErrors()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
            lock (_errorTail)
            {
                _errorTail.Enqueue(line);
                if (_errorTail.Count > ErrorTailLines)
                    _errorTail.Dequeue();
            }
    }
}
