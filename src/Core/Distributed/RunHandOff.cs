using System.Text.Json;

namespace Forge.Core.Distributed;

/// <summary>
/// What rank 0 tells the other ranks once it has prepared the run: the run folder it owns and the checkpoint every
/// rank resumes from (none for a fresh start), or the error that stopped it, so that no rank waits for a run that
/// will not start.
/// </summary>
/// <param name="Folder">The run folder (rank 0 writes it; the others only read checkpoints from it).</param>
/// <param name="Checkpoint">The checkpoint folder to resume from, or null.</param>
/// <param name="Error">Why rank 0 could not start the run, or null.</param>
public sealed record RunHandOff(string? Folder, string? Checkpoint, string? Error)
{
    /// <summary>Rank 0 sends <paramref name="handOff"/>; every other rank receives it.</summary>
    public static RunHandOff Exchange(ICollective ranks, RunHandOff? handOff)
    {
        var bytes = ranks.Broadcast(ranks.Rank == 0 ? JsonSerializer.SerializeToUtf8Bytes(handOff!) : Array.Empty<byte>());
        return JsonSerializer.Deserialize<RunHandOff>(bytes)!;
    }

    /// <summary>
    /// The end of a run on every rank: rank 0 calls it once its checkpoint and summary are written, the others after
    /// their last step, so none exits while rank 0 still writes (mpirun ends the whole job when one rank exits with a
    /// non-zero code, as an interrupted run does). Nothing in one process.
    /// </summary>
    public static void Finished(ICollective ranks)
    {
        if (ranks.Size > 1)
            ranks.Broadcast(Array.Empty<byte>());
    }
}
