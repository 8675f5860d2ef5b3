using System.Diagnostics;
using System.Text;

namespace Forge.Tests.Support;

/// <summary>A child process whose standard output and error are collected, with signals and waits (forge alone, or mpirun's job).</summary>
public abstract class CollectedProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;
    private readonly string _name;
    private readonly TimeSpan _patience;

    /// <param name="process">Started with both streams redirected.</param>
    /// <param name="name">What the messages call it ("forge", "mpirun").</param>
    /// <param name="patience">How long <see cref="WaitUntilAsync"/> waits.</param>
    protected CollectedProcess(Process process, string name, TimeSpan patience)
    {
        (_process, _name, _patience) = (process, name, patience);
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Sends a POSIX signal (INT, TERM) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", new[] { $"-{name}", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no handler runs.</summary>
    public void KillHard() => _process.Kill();

    /// <summary>Waits for the end (at most <paramref name="timeout"/>, then a <see cref="TimeoutException"/> with the output); the exit code.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not end within {timeout.TotalSeconds} s:\n{Output}");
        }
        _process.WaitForExit(); // drain the output
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after the patience given or when the process has ended.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + _patience;
        while (!condition())
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) before {what}:\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited {_patience.TotalSeconds} s for {what}:\n{Output}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
        GC.SuppressFinalize(this);
    }
}
