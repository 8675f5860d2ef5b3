using TorchSharp;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Plugins;

namespace Forge.Core.Checkpoints;

/// <summary>Takes a run's complete state into a checkpoint and puts it back, so a resumed run continues bit for bit.</summary>
public static class TrainingCheckpoint
{
    /// <summary>Writes the state after <paramref name="position"/>.Step updates into <paramref name="store"/>.</summary>
    public static string Save(CheckpointStore store, Experiment experiment, TrainingPosition position, double scheduleFactor, Generator dataGenerator,
        IReadOnlyList<ICheckpointParticipant>? participants = null)
    {
        var callbackTensors = new Dictionary<string, Tensor>();
        var callbackNumbers = new Dictionary<string, double>();
        foreach (var participant in participants ?? Array.Empty<ICheckpointParticipant>())
            participant.Save(callbackTensors, callbackNumbers);
        var model = experiment.Parameters.Select(p => (p.Descriptor.Name, (Tensor)p.Value)).ToList();
        var (optimizer, scalars) = OptimizerState.Capture(experiment);
        using var dataState = dataGenerator.get_state();
        using var torchState = torch.get_rng_state();
        var sidecar = new CheckpointSidecar
        {
            Step = position.Step,
            PlannedSteps = experiment.Spec.Experiment.Training.Steps,
            Position = position.Clone(),
            ScheduleFactor = scheduleFactor,
            DataGeneratorState = Convert.ToBase64String(dataState.bytes),
            TorchGeneratorState = Convert.ToBase64String(torchState.bytes),
            Spec = experiment.Spec.Document.DeepClone().AsObject(),
            Data = experiment.Dataset.Description,
            Tokenizer = CheckpointTokenizer.Of(experiment.Dataset.Description.Tokenizer),
            Parametrization = experiment.Spec.Parametrization.Plugin.Name,
            Tensors = experiment.Parameters.Select(Describe).ToList(),
            TiedUses = experiment.TiedUses.Select(Describe).ToList(),
            SpecPath = experiment.Spec.SpecPath,
            Ranks = experiment.Environment.Collective.Size,
            Optimizer = OptimizerType(experiment),
            OptimizerScalars = scalars,
            CallbackNumbers = callbackNumbers.Count > 0 ? callbackNumbers : null,
            ForgeVersion = AssemblyVersion.Of(typeof(TrainingCheckpoint).Assembly),
            PluginVersions = new[] { experiment.Spec.Model, experiment.Spec.Data, experiment.Spec.Optimizer, experiment.Spec.Parametrization, experiment.Spec.Precision }
                .Concat(experiment.Spec.Callbacks)
                .DistinctBy(s => $"{s.Plugin.Family.Section}/{s.Plugin.Name}") // a callback may be listed twice
                .ToDictionary(s => $"{s.Plugin.Family.Section}/{s.Plugin.Name}", s => AssemblyVersion.Of(s.Plugin.Type.Assembly)),
            Sha256 = new(),
            WrittenAt = DateTimeOffset.UtcNow,
        };
        return store.Write(position.Step, sidecar, model, optimizer, callbackTensors.Select(p => (p.Key, p.Value)).ToList());
    }

    /// <summary>The optimizer's type as checkpoints record it: its state fits only an optimizer of the same type.</summary>
    public static string OptimizerType(Experiment experiment) => experiment.Optimizer.GetType().FullName ?? experiment.Optimizer.GetType().Name;

    /// <summary>Copies the checkpoint's weights into <paramref name="experiment"/>'s tensors of the same names (shapes must match).</summary>
    public static void CopyWeights(LoadedCheckpoint checkpoint, Experiment experiment)
    {
        using var noGrad = no_grad();
        foreach (var parameter in experiment.Parameters)
            parameter.Value.copy_(checkpoint.Model[parameter.Descriptor.Name]);
    }

    private static CheckpointTensor Describe(Forge.Abstractions.Parametrizations.ScaledParameter p) => new(p.Descriptor.Name, p.Descriptor.Role, p.Descriptor.Shape,
        p.Descriptor.FanOut, p.Descriptor.FanIn, p.Multiplier, p.Scaling.LearningRateFactor, p.Scaling.WeightDecayFactor, p.Descriptor.Block);

    /// <summary>
    /// Puts the checkpoint's weights, optimizer state and random streams into <paramref name="experiment"/> and
    /// <paramref name="dataGenerator"/>; returns its training position. A checkpoint of another model, optimizer or
    /// shape is an <see cref="InvalidDataException"/> that says what differs.
    /// </summary>
    public static TrainingPosition Restore(LoadedCheckpoint checkpoint, Experiment experiment, Generator dataGenerator)
    {
        CheckCompatible(checkpoint, experiment);
        var sidecar = checkpoint.Sidecar;
        CopyWeights(checkpoint, experiment);
        OptimizerState.Restore(experiment, checkpoint.Optimizer, sidecar.OptimizerScalars);
        using (var dataState = StateTensor(sidecar.DataGeneratorState))
            dataGenerator.set_state(dataState);
        using (var torchState = StateTensor(sidecar.TorchGeneratorState))
            torch.set_rng_state(torchState);
        return sidecar.Position.Clone();
    }

    /// <summary>Whether <paramref name="checkpoint"/> fits <paramref name="experiment"/> (same optimizer type, same tensors and shapes); an <see cref="InvalidDataException"/> says what differs.</summary>
    public static void CheckCompatible(LoadedCheckpoint checkpoint, Experiment experiment)
    {
        var optimizerType = OptimizerType(experiment);
        if (checkpoint.Sidecar.Optimizer != optimizerType)
            throw new InvalidDataException($"{checkpoint.Folder} holds the state of {checkpoint.Sidecar.Optimizer}, but this run's optimizer is {optimizerType}.");
        var problems = new List<string>();
        foreach (var parameter in experiment.Parameters)
        {
            if (!checkpoint.Model.TryGetValue(parameter.Descriptor.Name, out var saved))
                problems.Add($"{parameter.Descriptor.Name} is missing");
            else if (!saved.shape.SequenceEqual(parameter.Value.shape))
                problems.Add($"{parameter.Descriptor.Name} is [{string.Join(", ", saved.shape)}] there but [{string.Join(", ", parameter.Value.shape)}] here");
        }
        var extra = checkpoint.Model.Keys.Except(experiment.Parameters.Select(p => p.Descriptor.Name)).ToList();
        if (extra.Count > 0)
            problems.Add($"it has tensors this model lacks ({string.Join(", ", extra.Take(5))})");
        if (problems.Count > 0)
            throw new InvalidDataException($"{checkpoint.Folder} is from a different model: {string.Join("; ", problems.Take(6))}.");
    }

    private static Tensor StateTensor(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        var tensor = empty(bytes.Length, ScalarType.Byte);
        tensor.bytes = bytes;
        return tensor;
    }
}
