using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>The run facts plugins may take in their constructors, and the thread count the run computes with.</summary>
/// <param name="Threads">libtorch's intra-op threads for this run (<see cref="ProcessSetup"/>).</param>
public sealed record RunEnvironment(long Seed, torch.Device Device, string SpecDirectory, int Threads) : IRunEnvironment
{
    /// <summary>The ranks this run trains with (data parallelism); one process alone by default.</summary>
    public Forge.Core.Distributed.ICollective Collective { get; init; } = Forge.Core.Distributed.SingleProcess.Instance;

    /// <summary>
    /// Sets libtorch's thread count on the calling thread. OpenMP keeps the count per thread, so a thread that did not
    /// set it may compute with another (the machine's cores): then reductions split differently and results change in
    /// their last bits. Whatever computes a run's numbers calls this first, on its own thread.
    /// </summary>
    public void UseThreads() => torch.set_num_threads(Threads);
}
