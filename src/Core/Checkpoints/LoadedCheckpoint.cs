using static TorchSharp.torch;

namespace Forge.Core.Checkpoints;

/// <summary>A checkpoint read back from disk: its folder, sidecar and tensors (on the CPU). Dispose to free the tensors.</summary>
public sealed class LoadedCheckpoint(string folder, CheckpointSidecar sidecar, Dictionary<string, Tensor> model, Dictionary<string, Tensor> optimizer,
    Dictionary<string, Tensor>? callbacks = null) : IDisposable
{
    public string Folder { get; } = folder;
    public CheckpointSidecar Sidecar { get; } = sidecar;
    public IReadOnlyDictionary<string, Tensor> Model { get; } = model;
    public IReadOnlyDictionary<string, Tensor> Optimizer { get; } = optimizer;

    /// <summary>The callbacks' tensors by <c>key/name</c> (empty for a checkpoint of a run without stateful callbacks, or written before they were recorded).</summary>
    public IReadOnlyDictionary<string, Tensor> Callbacks { get; } = callbacks ?? new Dictionary<string, Tensor>();

    public void Dispose()
    {
        foreach (var t in Model.Values.Concat(Optimizer.Values).Concat(Callbacks.Values))
            t.Dispose();
    }
}
