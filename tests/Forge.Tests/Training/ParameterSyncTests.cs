using Forge.Core.Distributed;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Tests.Training;

/// <summary>training.sync's outer updates against their closed forms, with a second rank simulated in-process.</summary>
public class ParameterSyncTests
{
    /// <summary>Two ranks: this one, and another whose parameters <see cref="Other"/> holds.</summary>
    private sealed class TwoRanks : ICollective
    {
        public float Other { get; set; }
        public int Rank => 0;
        public int Size => 2;
        public int LocalSize => 2;
        public string Description => "two simulated ranks";
        public void AllReduceSum(Tensor buffer) => buffer.add_(full_like(buffer, Other));
        public void Broadcast(Tensor buffer, int root = 0) { }
        public byte[] Broadcast(byte[] bytes, int root = 0) => bytes;
        public void Abort(int exitCode) => throw new InvalidOperationException();
        public void Dispose() { }
    }

    [Fact]
    public void Average_replaces_the_parameters_by_the_ranks_mean()
    {
        using var p = new Parameter(full(3, 2.0f));
        var ranks = new TwoRanks { Other = 4 };
        using var sync = new ParameterSync(new[] { p }, ranks, new SyncOptions { Every = 4, Outer = OuterUpdate.Average });
        Assert.False(sync.Due(3));
        Assert.True(sync.Due(8));
        sync.Synchronise();
        Assert.Equal(new[] { 3f, 3f, 3f }, p.data<float>().ToArray());
        Assert.Equal(12, sync.BytesPerSync);
    }

    [Fact]
    public void Nesterov_applies_the_outer_gradient_with_momentum_to_the_last_synchronised_parameters()
    {
        using var p = new Parameter(full(2, 1.0f)); // θ_last = 1
        var ranks = new TwoRanks();
        using var sync = new ParameterSync(new[] { p }, ranks, new SyncOptions { Every = 1, Outer = OuterUpdate.Nesterov, OuterLr = 0.7, OuterMomentum = 0.9 });
        using (no_grad())
            p.fill_(2.0f); // this rank's inner steps
        ranks.Other = 4;
        sync.Synchronise(); // mean 3, Δ = −2, m = −2, θ = 1 − 0.7·(−2 + 0.9·−2) = 3.66
        Assert.Equal(3.66, p[0].item<float>(), 5);
        using (no_grad())
            p.fill_(5.0f);
        ranks.Other = 5;
        sync.Synchronise(); // mean 5, Δ = −1.34, m = 0.9·−2 − 1.34 = −3.14, θ = 3.66 − 0.7·(−1.34 + 0.9·−3.14) = 6.5762
        Assert.Equal(6.5762, p[1].item<float>(), 4);
    }

    [Fact]
    public void A_run_stopped_between_two_synchronisations_resumes_with_its_outer_state_bit_for_bit()
    {
        // One rank: the outer step still moves θ from the anchor (Δ = θ_last − θ), so the anchor and the momentum are state.
        var spec = TestSpecs.Gpt(32, steps: 16).With("training.sync={\"every\":3,\"outer\":\"nesterov\",\"outerLr\":0.7,\"outerMomentum\":0.9}", "checkpoint.interval=0", "training.logInterval=1");
        using var dir = new TempDirectory();

        var (whole, parts) = InterruptedRun.Train(spec, dir, stopAt: 8); // two steps after the synchronisation at 6

        Assert.Equal(LossCurves.Read(whole), LossCurves.Read(parts));
        using var checkpoint = Forge.Core.Checkpoints.CheckpointStore.Load(Path.Combine(parts, "checkpoints", "step-00000008"));
        Assert.Contains(checkpoint.Callbacks.Keys, k => k.StartsWith("sync.anchor.", StringComparison.Ordinal));
        Assert.Contains(checkpoint.Callbacks.Keys, k => k.StartsWith("sync.momentum.", StringComparison.Ordinal));
    }
}
