namespace Forge.Cli.Rendering;

/// <summary>Whether progress is shown live (Spectre.Console) or as plain lines (CI, redirected output, --plain, tests).</summary>
internal static class ConsoleMode
{
    public static bool IsLive(bool plain, bool interactiveConsole) =>
        !plain && interactiveConsole && !System.Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"))
        && !Forge.Core.Distributed.Collectives.Launched(); // mpirun gives each rank a terminal, but interleaves their lines
}
