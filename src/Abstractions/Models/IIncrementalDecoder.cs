using static TorchSharp.torch;

namespace Forge.Abstractions.Models;

/// <summary>
/// A language model (a module a model plugin builds) that continues a sequence from a <see cref="KeyValueCache"/>,
/// so each generated token costs about the same at every position. <c>forge sample</c> uses it when the module
/// implements it, and otherwise runs the whole window again for every token. Its logits must equal those of the
/// module's forward pass over the whole sequence, at the new positions (to rounding). Added in 1.2.
/// </summary>
public interface IIncrementalDecoder
{
    /// <summary>The longest sequence it can see at once (its table of learned positions), or null when nothing limits it.</summary>
    int? MaxSequence { get; }

    /// <summary>An empty cache for sequences of up to <paramref name="capacity"/> tokens.</summary>
    KeyValueCache CreateCache(int capacity);

    /// <summary>
    /// The logits (batch, new, vocabulary) of <paramref name="tokens"/> (batch, new), which continue the sequence
    /// <paramref name="cache"/> holds (positions <c>cache.Length</c> onwards); their keys and values are added to it.
    /// </summary>
    Tensor Decode(Tensor tokens, KeyValueCache cache);
}
