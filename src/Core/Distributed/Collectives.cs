using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Distributed;

/// <summary>
/// The process's collective, joined once: Open MPI when <c>mpirun</c> or <c>srun</c> started the process (its
/// environment says so: <c>OMPI_COMM_WORLD_SIZE</c>, <c>PMIX_RANK</c>, <c>PMI_RANK</c>) or the spec asks for it
/// (<c>"distributed": "mpi"</c>); one process alone otherwise.
/// </summary>
public static class Collectives
{
    private static readonly object Gate = new();
    private static ICollective? _joined;

    /// <summary>The collective a process with the given spec settings trains in (the same one on every call).</summary>
    /// <param name="timeoutSeconds">How long one collective call may wait for the other ranks before the job is ended (the first join's value counts).</param>
    public static ICollective Join(DistributedMode mode, int timeoutSeconds)
    {
        lock (Gate)
        {
            if (_joined is not null)
                return _joined;
            if (mode == DistributedMode.None || (mode == DistributedMode.Auto && !Launched()))
                return SingleProcess.Instance; // not remembered: another run in this process may ask for MPI
            var mpi = MpiCollective.TryJoin(LocalSize(), TimeSpan.FromSeconds(timeoutSeconds), out var error);
            if (mpi is null)
                throw new RunSetupException(
                    $"distributed: {(mode == DistributedMode.Mpi ? "the spec asks for MPI (\"distributed\": \"mpi\")" : "this process was started by mpirun or srun")}, but Open MPI's library cannot be loaded ({error}). Install it (Debian: apt-get install openmpi-bin, which brings libopenmpi3), or set \"distributed\": \"none\" to train in one process.");
            AppDomain.CurrentDomain.ProcessExit += (_, _) => mpi.Dispose();
            return _joined = mpi;
        }
    }

    /// <summary>
    /// Called with the process's exit code before it exits. After a failure (anything but success or an interrupted
    /// run, which every rank ends together) a rank aborts the whole job, so that no other rank waits for it in a
    /// collective; otherwise the job is finalised when the process exits.
    /// </summary>
    public static void Leave(int exitCode)
    {
        ICollective? joined;
        lock (Gate)
            joined = _joined;
        if (joined is { Size: > 1 } && exitCode is not (Errors.ExitCodes.Success or Errors.ExitCodes.Interrupted))
            joined.Abort(exitCode);
    }

    /// <summary>This process's rank as the MPI launcher set it in the environment (0 when no launcher did), before joining the job.</summary>
    public static int LaunchedRank() =>
        !Launched() ? 0
        : Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is not null ? Number("OMPI_COMM_WORLD_RANK")
        : Environment.GetEnvironmentVariable("PMIX_RANK") is not null ? Number("PMIX_RANK")
        : Number("PMI_RANK");

    /// <summary>Whether an MPI launcher started this process with more than one rank.</summary>
    public static bool Launched() =>
        Number("OMPI_COMM_WORLD_SIZE") > 1 || Number("PMIX_SIZE") > 1 || Number("PMI_SIZE") > 1
        || (Environment.GetEnvironmentVariable("PMIX_RANK") is not null && Number("SLURM_NTASKS") > 1);

    /// <summary>Ranks on this machine, as the launcher says (mpirun; srun's tasks per node, "2" or "2(x3)"; 1 when neither does).</summary>
    private static int LocalSize() =>
        Number("OMPI_COMM_WORLD_LOCAL_SIZE") is > 0 and var local ? local
        : Number("SLURM_STEP_TASKS_PER_NODE") is > 0 and var step ? step
        : Number("SLURM_NTASKS_PER_NODE") is > 0 and var perNode ? perNode
        : Number("MPI_LOCALNRANKS") is > 0 and var hydra ? hydra : 1;

    /// <summary>The leading integer of an environment variable (Slurm writes "2(x3)" for 2 tasks on each of 3 nodes), or 0.</summary>
    private static int Number(string name)
    {
        var text = Environment.GetEnvironmentVariable(name) ?? "";
        int digits = text.TakeWhile(char.IsAsciiDigit).Count();
        return int.TryParse(text[..digits], out int n) ? n : 0;
    }
}
