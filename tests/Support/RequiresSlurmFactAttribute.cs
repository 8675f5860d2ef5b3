using System.Diagnostics;

namespace Forge.Tests.Support;

/// <summary>
/// A fact that is skipped, saying why, unless a Slurm cluster answers here: <c>sbatch</c> on PATH and <c>sinfo</c>
/// reporting a node that can take jobs. .ci/run installs Debian's Slurm and starts a one-node cluster
/// (.ci/slurm/start-cluster.sh) when it runs as root.
/// </summary>
public sealed class RequiresSlurmFactAttribute : FactAttribute
{
    public RequiresSlurmFactAttribute()
    {
        if (RequiresProgramFactAttribute.Locate("sbatch") is null)
            Skip = "Slurm is not installed (no sbatch on PATH); .ci/run installs it and starts a one-node cluster when it runs as root.";
        else if (!NodeUp())
            Skip = "Slurm is installed but no node is up (sinfo shows none idle); start one with .ci/slurm/start-cluster.sh (as root).";
    }

    private static bool NodeUp()
    {
        try
        {
            using var sinfo = Process.Start(new ProcessStartInfo("sinfo", "-h -o %T") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string states = sinfo.StandardOutput.ReadToEnd();
            return sinfo.WaitForExit(10_000) && sinfo.ExitCode == 0 && states.Split('\n').Any(s => s.Trim() is "idle" or "mixed" or "allocated");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    }
}

/// <summary>A theory skipped, saying why, unless a Slurm cluster answers here (as <see cref="RequiresSlurmFactAttribute"/>).</summary>
public sealed class RequiresSlurmTheoryAttribute : TheoryAttribute
{
    public RequiresSlurmTheoryAttribute()
    {
        Skip = new RequiresSlurmFactAttribute().Skip;
    }
}
