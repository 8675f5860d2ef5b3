using TorchSharp;

namespace Forge.Abstractions.Callbacks;

/// <summary>
/// One callback's part of a checkpoint: tensors and numbers by name. Forge writes the tensors to the checkpoint's
/// <c>callbacks.safetensors</c> and the numbers to its sidecar, each under the callback's place in the spec's list, so
/// two callbacks may use the same names. On save, Forge copies the tensors out (the callback keeps its own); on load the
/// tensors are Forge's, on the CPU, valid until <see cref="ITrainingCallback.OnCheckpointLoad"/> returns: copy them.
/// </summary>
public sealed class CallbackState
{
    private readonly Dictionary<string, torch.Tensor> _tensors;
    private readonly Dictionary<string, double> _numbers;

    /// <summary>An empty state, for a callback to fill.</summary>
    public CallbackState() : this(new Dictionary<string, torch.Tensor>(), new Dictionary<string, double>())
    {
    }

    /// <summary>A state read back from a checkpoint.</summary>
    public CallbackState(IReadOnlyDictionary<string, torch.Tensor> tensors, IReadOnlyDictionary<string, double> numbers)
    {
        _tensors = new Dictionary<string, torch.Tensor>(tensors);
        _numbers = new Dictionary<string, double>(numbers);
    }

    /// <summary>True when the state holds nothing (a checkpoint written without this callback).</summary>
    public bool IsEmpty => _tensors.Count == 0 && _numbers.Count == 0;

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Tensors => _tensors;

    /// <summary>The numbers by name.</summary>
    public IReadOnlyDictionary<string, double> Numbers => _numbers;

    /// <summary>Keeps <paramref name="tensor"/> under <paramref name="name"/> (any name; Forge puts it under the callback's own prefix).</summary>
    public void SetTensor(string name, torch.Tensor tensor) => _tensors[name] = tensor;

    /// <summary>Keeps <paramref name="value"/> under <paramref name="name"/>.</summary>
    public void SetNumber(string name, double value) => _numbers[name] = value;

    /// <summary>The tensor kept under <paramref name="name"/>, or null.</summary>
    public torch.Tensor? Tensor(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>The number kept under <paramref name="name"/>, or null.</summary>
    public double? Number(string name) => _numbers.TryGetValue(name, out var value) ? value : null;
}
