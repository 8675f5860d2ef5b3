using static TorchSharp.torch;

namespace Forge.Core.Distributed;

/// <summary>
/// The collectives data-parallel training needs, over the processes (ranks) of one job. Open MPI implements it
/// (<see cref="MpiCollective"/>); one process alone is <see cref="SingleProcess"/>. A GPU backend (NCCL) would be
/// another implementation. Every rank must call the same collectives in the same order.
/// </summary>
public interface ICollective : IDisposable
{
    /// <summary>This process's rank, 0 to <see cref="Size"/> − 1; rank 0 owns the run folder.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>Ranks on this machine (they share its cores).</summary>
    int LocalSize { get; }

    /// <summary>The backend in words, for the log ("Open MPI 4.1.4", "one process").</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="buffer"/> (contiguous, on the CPU, float32 or float64) by its sum over the ranks, in place.</summary>
    void AllReduceSum(Tensor buffer);

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="buffer"/> (contiguous, on the CPU) into every rank's.</summary>
    void Broadcast(Tensor buffer, int root = 0);

    /// <summary>Rank <paramref name="root"/>'s bytes on every rank (the others pass anything, e.g. an empty array).</summary>
    byte[] Broadcast(byte[] bytes, int root = 0);

    /// <summary>Ends the whole job now with <paramref name="exitCode"/>: the way out of an error one rank alone meets, so no rank waits in a collective.</summary>
    void Abort(int exitCode);
}
