using System.Reflection;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Abstractions.Optimizers;

/// <summary>
/// A base for the per-tensor state of an optimizer built on TorchSharp's <see cref="OptimizerHelper"/>: declare the
/// state's tensors as public <see cref="Tensor"/> fields (created with <c>zeros_like(parameter).DetachFromDisposeScope()</c>)
/// and this class saves, loads, copies, moves, compares, resets and disposes them, with the update count
/// <see cref="Step"/>. Forge checkpoints the same public fields by name, so a state written this way is checkpointed
/// and resumed bit for bit.
/// </summary>
public abstract class TensorFieldState : OptimizerState, IDisposable
{
    /// <summary>Creates the state of <paramref name="parameter"/>.</summary>
    protected TensorFieldState(Parameter parameter) : base(parameter) { }

    /// <summary>Updates applied.</summary>
    public long Step;

    /// <summary>The public tensor fields of the concrete type, in name order (the order of the binary state dict).</summary>
    private FieldInfo[] TensorFields => GetType().GetFields(BindingFlags.Public | BindingFlags.Instance)
        .Where(f => f.FieldType == typeof(Tensor)).OrderBy(f => f.Name, StringComparer.Ordinal).ToArray();

    private IEnumerable<Tensor> Tensors => TensorFields.Select(f => (Tensor)f.GetValue(this)!);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors)
            tensor.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override void Initialize(OptimizerOptions options)
    {
        Step = 0;
        foreach (var tensor in Tensors)
            tensor.zero_();
    }

    /// <inheritdoc />
    public override void to(Device device)
    {
        foreach (var field in TensorFields)
            field.SetValue(this, ((Tensor)field.GetValue(this)!).to(device));
    }

    /// <inheritdoc />
    public override void LoadStateDict(BinaryReader reader)
    {
        Step = reader.ReadInt64();
        foreach (var tensor in Tensors)
            tensor.Load(reader);
    }

    /// <inheritdoc />
    public override void SaveStateDict(BinaryWriter writer)
    {
        writer.Write(Step);
        foreach (var tensor in Tensors)
            tensor.Save(writer);
    }

    /// <inheritdoc />
    public override void LoadStateDict(OptimizerState source)
    {
        var other = (TensorFieldState)source;
        Step = other.Step;
        foreach (var (mine, theirs) in Tensors.Zip(other.Tensors))
            mine.copy_(theirs);
    }

    /// <inheritdoc />
    public override bool ApproximatelyEquals(OptimizerState other) =>
        other is TensorFieldState state && state.GetType() == GetType() && state.Step == Step
        && Tensors.Zip(state.Tensors).All(pair => pair.First.allclose(pair.Second));
}
