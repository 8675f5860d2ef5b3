using System.Diagnostics;
using Forge.Host.Cli;

namespace Forge.Host.Sweeps;

/// <summary>The dotnet executable running this process (or <c>dotnet</c> from PATH), to start forge worker processes with.</summary>
internal static class DotnetExecutable
{
    public static string Path
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
                return host;
            var process = Environment.ProcessPath;
            return process is not null && System.IO.Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        }
    }

    /// <summary>This forge's own assembly, which <see cref="Path"/> runs.</summary>
    public static string ForgeAssembly => typeof(ForgeCli).Assembly.Location;

    /// <summary>How to start this forge with <paramref name="arguments"/> as a child process, its output and error read by the caller.</summary>
    public static ProcessStartInfo Forge(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ForgeAssembly);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }
}
