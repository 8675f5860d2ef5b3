using System.Diagnostics;
using Forge.Sweeps;

namespace Forge.Tests.Support;

/// <summary>The forge command line in a child process (for signals and kills), its output collected.</summary>
public sealed class ForgeProcess : CollectedProcess
{
    private ForgeProcess(Process process) : base(process, "forge", TimeSpan.FromSeconds(60)) { }

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
}
