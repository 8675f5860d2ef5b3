using System.Diagnostics;

namespace Forge.Sweeps;

/// <summary>
/// How to start this Forge's command line as a child process (sweep workers, fresh trial processes, Slurm array
/// tasks): the dotnet executable running this process (or <c>dotnet</c> from PATH) and the <c>forge</c> assembly,
/// Forge.Cli.dll, which ships beside this one.
/// </summary>
public static class ForgeExecutable
{
    public const string AssemblyFileName = "Forge.Cli.dll";

    /// <summary>The dotnet executable that runs <see cref="ForgeAssembly"/>.</summary>
    public static string Dotnet
    {
        get
        {
            var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
                return host;
            var process = Environment.ProcessPath;
            return process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet";
        }
    }

    /// <summary>The forge command line's assembly, beside Forge.Sweeps.</summary>
    public static string ForgeAssembly => Path.Combine(Path.GetDirectoryName(typeof(ForgeExecutable).Assembly.Location)!, AssemblyFileName);

    /// <summary>How to start forge with <paramref name="arguments"/> as a child process, its output and error read by the caller.</summary>
    public static ProcessStartInfo Start(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ForgeAssembly);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }
}
