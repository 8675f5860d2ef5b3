using static TorchSharp.torch;

namespace Forge.Abstractions.Models;

/// <summary>
/// The attention keys and values of the tokens a language model has seen so far, per layer, so that the next token
/// attends over them without computing them again (<see cref="IIncrementalDecoder"/>). Each layer's buffers are
/// allocated once, for <see cref="Capacity"/> positions, on its first <see cref="Append"/>; new keys are copied in
/// place, so a step's cost does not include copying the past. Added in 1.2.
/// </summary>
public sealed class KeyValueCache(int layers, int capacity) : IDisposable
{
    private readonly Tensor?[] _keys = new Tensor?[layers];
    private readonly Tensor?[] _values = new Tensor?[layers];

    /// <summary>Positions cached (the next token's position).</summary>
    public int Length { get; private set; }

    /// <summary>The most positions it can hold.</summary>
    public int Capacity { get; } = capacity;

    /// <summary>Positions still free.</summary>
    public int Free => Capacity - Length;

    /// <summary>
    /// Stores layer <paramref name="layer"/>'s keys and values of the new positions, shaped (batch, heads, new, d_head),
    /// after the cached ones, and returns views of all of them, (batch, heads, Length + new, d_head). Call
    /// <see cref="Advance"/> once every layer has appended.
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        long added = keys.shape[2];
        if (Length + added > Capacity)
            throw new InvalidOperationException($"the key-value cache holds {Capacity} positions; {Length} are used and {added} more were appended.");
        var keyBuffer = _keys[layer] ??= Buffer(keys);
        var valueBuffer = _values[layer] ??= Buffer(values);
        using (var slot = keyBuffer.narrow(2, Length, added))
            slot.copy_(keys);
        using (var slot = valueBuffer.narrow(2, Length, added))
            slot.copy_(values);
        return (keyBuffer.narrow(2, 0, Length + added), valueBuffer.narrow(2, 0, Length + added));
    }

    /// <summary>Counts <paramref name="added"/> new positions as cached.</summary>
    public void Advance(int added) => Length += added;

    private Tensor Buffer(Tensor like) =>
        zeros(new[] { like.shape[0], like.shape[1], Capacity, like.shape[3] }, like.dtype, like.device).DetachFromDisposeScope();

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
            tensor?.Dispose();
    }
}
