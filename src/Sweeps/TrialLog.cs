namespace Forge.Sweeps;

/// <summary>
/// A trial's <c>log.txt</c>: every line of the run's output, its warnings, its logger's messages and its errors, in the
/// order they come (from the training thread, the caller's and the logger's), each also handed to a listener (a
/// worker's protocol, the entry point's output).
/// </summary>
public sealed class TrialLog(string path, Action<string>? onOutput = null) : IDisposable
{
    private readonly StreamWriter _file = new(path, append: false) { AutoFlush = true };

    /// <summary>An output line: written to the log and handed to the listener (which reads progress from it).</summary>
    public void Output(string line)
    {
        lock (_file)
            _file.WriteLine(line);
        onOutput?.Invoke(line);
    }

    /// <summary>A line of the error stream (warnings, log messages, errors): written to the log only.</summary>
    public void Error(string line)
    {
        lock (_file)
            _file.WriteLine(line);
    }

    public void Dispose()
    {
        lock (_file)
            _file.Dispose();
    }
}
