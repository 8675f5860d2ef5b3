namespace Forge.Core.Composition;

/// <summary>
/// How many intra-op threads libtorch gets. libtorch's own default counts the machine's cores, not the ones this
/// process may use, so inside a container with a CPU limit, a Slurm allocation or a sweep worker pinned to some cores it
/// oversubscribes them; .NET's <see cref="Environment.ProcessorCount"/> honours limits and affinity.
/// </summary>
public static class ThreadCount
{
    /// <summary>The spec's count when set; otherwise libtorch's default, capped at the usable cores.</summary>
    public static int For(int requested, int libtorchDefault, int usableCores) =>
        requested > 0 ? requested : Math.Max(1, Math.Min(libtorchDefault, usableCores));
}
