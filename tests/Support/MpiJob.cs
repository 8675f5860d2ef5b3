using System.Diagnostics;
using Forge.Sweeps;

namespace Forge.Tests.Support;

/// <summary>
/// <c>mpirun -np N forge ARGS</c> in a child process, its output collected: <c>--oversubscribe</c> (more ranks than
/// cores on CI's 2-core machine) and Open MPI's allow-run-as-root variables (CI runs as root).
/// </summary>
public sealed class MpiJob : CollectedProcess
{
    public const string Missing = "Open MPI is not installed (no mpirun on PATH); .ci/run installs it (apt-get install openmpi-bin) when it runs as root.";

    /// <summary>mpirun's full path, or null.</summary>
    public static string? Mpirun => RequiresProgramFactAttribute.Locate("mpirun");

    private MpiJob(Process process) : base(process, "mpirun", TimeSpan.FromSeconds(120)) { }

    /// <summary>Starts <paramref name="ranks"/> forge processes with <paramref name="args"/>.</summary>
    public static MpiJob Start(int ranks, params string[] args) => StartRanks(Enumerable.Repeat(args, ranks).ToArray());

    /// <summary>Starts one forge process per entry, each with its own arguments (mpirun's <c>-np 1 A : -np 1 B</c>).</summary>
    public static MpiJob StartRanks(params string[][] argsPerRank)
    {
        var start = new ProcessStartInfo(Mpirun ?? throw new InvalidOperationException(Missing))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "--oversubscribe", "--bind-to", "none" })
            start.ArgumentList.Add(a);
        for (int r = 0; r < argsPerRank.Length; r++)
        {
            if (r > 0)
                start.ArgumentList.Add(":");
            foreach (var a in new[] { "-np", "1", ForgeExecutable.Dotnet, ForgeExecutable.ForgeAssembly }.Concat(argsPerRank[r]))
                start.ArgumentList.Add(a);
        }
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1";
        start.Environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1";
        start.Environment.Remove("CI");
        return new MpiJob(Process.Start(start)!);
    }

    /// <summary>Runs to the end (at most <paramref name="timeout"/>): the exit code and the output of every rank.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(int ranks, TimeSpan timeout, params string[] args)
    {
        using var job = Start(ranks, args);
        int code = await job.WaitAsync(timeout);
        return (code, job.Output);
    }
}
