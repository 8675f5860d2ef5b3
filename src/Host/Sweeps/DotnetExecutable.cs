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
}
