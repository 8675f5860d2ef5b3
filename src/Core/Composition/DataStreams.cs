using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>The run's random streams besides the init stream (which is the seed itself).</summary>
public static class DataStreams
{
    private const ulong TrainingStream = 0x9E37_79B9_7F4A_7C15;

    /// <summary>A CPU generator for the training batches, distinct from the init stream of the same seed; its state is checkpointed.</summary>
    public static torch.Generator Training(long seed) => new((ulong)seed ^ TrainingStream);
}
