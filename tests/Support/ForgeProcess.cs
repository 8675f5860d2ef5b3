using System.Diagnostics;
using System.Text;
using Forge.Sweeps;

namespace Forge.Tests.Support;

/// <summary>The forge command line in a child process (for signals and kills), its output collected.</summary>
public sealed class ForgeProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly Process _process;

    private ForgeProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    /// <summary>
    /// True when this process ignores SIGINT, as a background job of a non-interactive shell does (<c>dotnet test &amp;</c>,
    /// many CI runners). A child inherits that, and .NET then leaves SIGINT ignored, as POSIX asks, so a test that
    /// sends SIGINT to forge would see it ignored.
    /// </summary>
    private static bool InheritsIgnoredSigint()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
            return false;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << (2 - 1))) != 0; // SIGINT is 2
    }

    /// <summary>Starts the child through coreutils' <c>env --default-signal=INT</c>, which resets SIGINT and execs it (same pid).</summary>
    private static void RestoreDefaultSigint(ProcessStartInfo start)
    {
        start.ArgumentList.Insert(0, start.FileName);
        start.ArgumentList.Insert(0, "--default-signal=INT");
        start.FileName = "env";
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static ForgeProcess Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>Starts forge with extra environment variables.</summary>
    public static ForgeProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = ForgeExecutable.Start(args);
        if (InheritsIgnoredSigint())
            RestoreDefaultSigint(start);
        start.Environment.Remove("CI");
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return new ForgeProcess(Process.Start(start)!);
    }

    /// <summary>Sends a POSIX signal (INT, TERM) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", new[] { $"-{name}", Id.ToString(System.Globalization.CultureInfo.InvariantCulture) })!;
        kill.WaitForExit();
    }

    /// <summary>SIGKILL: no handler runs.</summary>
    public void KillHard() => _process.Kill();

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit(); // drain the output
        return _process.ExitCode;
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing after 60 s or when the process has ended.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"forge exited ({_process.ExitCode}) before {what}:\n{Output}");
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"waited 60 s for {what}:\n{Output}");
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
