using static TorchSharp.torch;

namespace Forge.Core.Distributed;

/// <summary>One process alone: every collective is the identity.</summary>
public sealed class SingleProcess : ICollective
{
    /// <summary>The one instance.</summary>
    public static SingleProcess Instance { get; } = new();

    private SingleProcess() { }

    public int Rank => 0;
    public int Size => 1;
    public int LocalSize => 1;
    public string Description => "one process";
    public void AllReduceSum(Tensor buffer) { }
    public void Broadcast(Tensor buffer, int root = 0) { }
    public byte[] Broadcast(byte[] bytes, int root = 0) => bytes;
    public void Abort(int exitCode) => Environment.Exit(exitCode);
    public void Dispose() { }
}
