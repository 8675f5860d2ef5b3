using System.Text.Json;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Distributed;
using static TorchSharp.torch;

namespace Forge.Core.Training;

/// <summary>
/// What a checkpoint must hold under <c>training.sync</c> besides rank 0's model and optimizer, so that a resumed run
/// continues bit for bit: between two synchronisations every rank trains its own copy, so each rank's parameters and
/// inner optimizer state are its own, and DiLoCo's outer update keeps the last synchronised parameters (its anchor) and
/// its momentum. At each checkpoint every rank calls <see cref="Gather"/> (a collective: rank 0 receives the other
/// ranks' parameters and optimizer state); rank 0's checkpoint then holds them, with the anchor and the momentum, in
/// <c>callbacks.safetensors</c> under <c>sync.</c> (<see cref="Save"/>); on resume each rank takes back its own
/// (<see cref="Restore"/>). A checkpoint from fewer ranks, or from a run without <c>training.sync</c>, gives a rank it
/// lacks rank 0's state and the outer update a fresh anchor at the restored parameters.
/// </summary>
public sealed class SyncState : ICheckpointParticipant, IDisposable
{
    private const string Prefix = "sync.";
    private readonly Experiment _experiment;
    private readonly ParameterSync _sync;
    private readonly ICollective _ranks;
    private readonly string[] _names; // of the synchronised parameters, in ParameterSync's order
    private readonly Dictionary<string, Tensor> _gathered = new();
    private readonly Dictionary<string, double> _gatheredNumbers = new();
    private int _gatheredStep = -1;

    public SyncState(Experiment experiment, ParameterSync sync)
    {
        _experiment = experiment;
        _sync = sync;
        _ranks = experiment.Environment.Collective;
        var names = experiment.Parameters.ToDictionary(p => p.Value.Handle, p => p.Descriptor.Name);
        _names = sync.Parameters.Select((p, i) => names.GetValueOrDefault(p.Handle, $"tensor{i}")).ToArray();
    }

    /// <summary>
    /// Every rank, at the step a checkpoint is written (the same step on every rank): rank 0 receives each other rank's
    /// parameters and optimizer state and keeps them for <see cref="Save"/>. Called again at the same step it does
    /// nothing (the final checkpoint after an interval one).
    /// </summary>
    public void Gather(int step)
    {
        if (step == _gatheredStep || _ranks.Size == 1)
            return;
        Clear();
        var model = _experiment.Parameters.Select(p => ("model." + p.Descriptor.Name, (Tensor)p.Value)).ToList();
        var (optimizer, scalars) = OptimizerState.Capture(_experiment);
        var own = model.Concat(optimizer.Select(t => ("optimizer." + t.Name, t.Tensor))).ToList();
        for (int root = 1; root < _ranks.Size; root++)
        {
            foreach (var (name, tensor) in own)
            {
                using var scope = NewDisposeScope();
                var buffer = _ranks.Rank == root ? tensor.detach().cpu().contiguous().clone() : empty(tensor.shape, tensor.dtype);
                _ranks.Broadcast(buffer, root);
                if (_ranks.Rank == 0)
                    _gathered[$"{Prefix}rank{root}.{name}"] = buffer.DetachFromDisposeScope();
            }
            var numbers = JsonSerializer.Deserialize<Dictionary<string, double>>(_ranks.Broadcast(_ranks.Rank == root ? JsonSerializer.SerializeToUtf8Bytes(scalars) : Array.Empty<byte>(), root))!;
            if (_ranks.Rank == 0)
                foreach (var (key, value) in numbers)
                    _gatheredNumbers[$"{Prefix}rank{root}.optimizer.{key}"] = value;
        }
        _gatheredStep = step;
    }

    /// <summary>Rank 0: the outer update's state and the other ranks' gathered state, into the checkpoint.</summary>
    public void Save(IDictionary<string, Tensor> tensors, IDictionary<string, double> numbers)
    {
        if (_sync.Anchor is { } anchor)
            for (int i = 0; i < anchor.Count; i++)
            {
                tensors[$"{Prefix}anchor.{_names[i]}"] = anchor[i];
                tensors[$"{Prefix}momentum.{_names[i]}"] = _sync.Momentum![i];
            }
        foreach (var (name, tensor) in _gathered)
            tensors[name] = tensor;
        foreach (var (key, value) in _gatheredNumbers)
            numbers[key] = value;
    }

    /// <summary>
    /// Every rank, after the checkpoint's model and optimizer (rank 0's) were restored: the outer update's state, and
    /// this rank's own parameters and optimizer state when the checkpoint has them.
    /// </summary>
    public void Restore(LoadedCheckpoint checkpoint)
    {
        _gatheredStep = checkpoint.Sidecar.Step; // what the checkpoint holds needs no second gather at this step
        var saved = checkpoint.Callbacks;
        _sync.Restore(i => saved.GetValueOrDefault($"{Prefix}anchor.{_names[i]}"), i => saved.GetValueOrDefault($"{Prefix}momentum.{_names[i]}"));
        if (_ranks.Rank == 0)
            return;
        var own = $"{Prefix}rank{_ranks.Rank}.";
        if (!saved.Keys.Any(k => k.StartsWith(own, StringComparison.Ordinal)))
            return; // a checkpoint from fewer ranks: rank 0's state, which TrainingRun warned about
        using (no_grad())
            foreach (var p in _experiment.Parameters)
                p.Value.copy_(saved[$"{own}model.{p.Descriptor.Name}"]);
        var optimizer = Stripped(saved, own + "optimizer.");
        var numbers = Stripped(checkpoint.Sidecar.CallbackNumbers ?? new Dictionary<string, double>(), own + "optimizer.");
        OptimizerState.Restore(_experiment, optimizer, numbers);
    }

    private static Dictionary<string, T> Stripped<T>(IEnumerable<KeyValuePair<string, T>> values, string prefix) =>
        values.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value);

    private void Clear()
    {
        foreach (var t in _gathered.Values)
            t.Dispose();
        _gathered.Clear();
        _gatheredNumbers.Clear();
        _gatheredStep = -1;
    }

    public void Dispose() => Clear();
}
