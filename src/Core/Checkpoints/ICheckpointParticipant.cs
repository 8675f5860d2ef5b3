using static TorchSharp.torch;

namespace Forge.Core.Checkpoints;

/// <summary>
/// State besides the model, the optimizer and the training position that a checkpoint must keep for a resumed run to
/// continue exactly (the spec's callbacks: an exponential moving average of the weights, say). Its tensors go to
/// <c>callbacks.safetensors</c> and its numbers to the sidecar (<see cref="CheckpointSidecar.CallbackNumbers"/>), each
/// under a name the participant chooses, unique across participants; a restored checkpoint hands them back through
/// <see cref="LoadedCheckpoint.Callbacks"/> and the sidecar.
/// </summary>
public interface ICheckpointParticipant
{
    /// <summary>Adds its state to <paramref name="tensors"/> and <paramref name="numbers"/>.</summary>
    void Save(IDictionary<string, Tensor> tensors, IDictionary<string, double> numbers);
}
