using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Microsoft.Extensions.DependencyInjection;
using Forge.Core.Hosting;
using Forge.Core.Plugins;
using Forge.Core.Training;

namespace Forge.Tests.Support;

/// <summary>Composes an experiment in-process exactly as <c>forge run</c> does, for tests that inspect the loop directly.</summary>
public sealed class TestExperiment : IDisposable
{
    private readonly ComposedExperiment _composed;

    private TestExperiment(ComposedExperiment composed) => _composed = composed;

    internal Experiment Experiment => _composed.Experiment;

    /// <summary>Trains it as <c>forge run</c> would (<see cref="TestTraining.Run"/>), metrics.jsonl into <paramref name="folder"/>.</summary>
    internal TrainedRun Train(string folder, CancellationToken cancellationToken = default, Forge.Core.Checkpoints.CheckpointStore? checkpoints = null,
        Forge.Core.Checkpoints.LoadedCheckpoint? resumeFrom = null, IProgress<ProgressUpdate>? progress = null) =>
        TestTraining.Run(Experiment, folder, cancellationToken, checkpoints, resumeFrom, progress);

    /// <summary>The same experiment (model, optimizer, everything) reading its data through <paramref name="wrap"/>(the real dataset).</summary>
    internal Experiment WithDataset(Func<Forge.Abstractions.Data.IDatasetPlugin, Forge.Abstractions.Data.IDatasetPlugin> wrap)
    {
        var inner = Experiment;
        return new Experiment
        {
            Spec = inner.Spec, Environment = inner.Environment, OptimizerPlugin = inner.OptimizerPlugin, Parametrization = inner.Parametrization,
            Precision = inner.Precision, Ops = inner.Ops, Model = inner.Model, Parameters = inner.Parameters, Optimizer = inner.Optimizer,
            TiedUses = inner.TiedUses, Scales = inner.Scales, Callbacks = inner.Callbacks, Dataset = wrap(inner.Dataset), Reductions = inner.Reductions,
        };
    }

    /// <summary>The same experiment with <paramref name="callbacks"/> instead of its own.</summary>
    internal Experiment WithCallbacks(IReadOnlyList<Forge.Abstractions.Callbacks.ITrainingCallback> callbacks)
    {
        var inner = Experiment;
        return new Experiment
        {
            Spec = inner.Spec, Environment = inner.Environment, OptimizerPlugin = inner.OptimizerPlugin, Parametrization = inner.Parametrization,
            Precision = inner.Precision, Ops = inner.Ops, Model = inner.Model, Parameters = inner.Parameters, Optimizer = inner.Optimizer,
            TiedUses = inner.TiedUses, Scales = inner.Scales, Callbacks = callbacks, Dataset = inner.Dataset, Reductions = inner.Reductions,
        };
    }

    /// <summary>Each trainable tensor's scaling by its name in the model (e.g. <c>hidden.0.weight</c>).</summary>
    public IReadOnlyDictionary<string, Forge.Abstractions.Parametrizations.ScaledParameter> ByName =>
        Experiment.Parameters.ToDictionary(p => p.Descriptor.Name);

    /// <summary>The loss of the model on one fixed training batch, without updating it.</summary>
    public float LossOnFirstBatch()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var generator = DataStreams.Training(Experiment.Spec.Experiment.Seed);
        using var batch = Experiment.Dataset.NextTrainingBatch(Experiment.Spec.Experiment.Training.BatchSize, generator);
        using var noGrad = TorchSharp.torch.no_grad();
        return LossFunction.Compute(Experiment, Experiment.Model.call(batch.Inputs), batch.Targets).item<float>();
    }

    public static TestExperiment Build(JsonObject spec)
    {
        var resolved = new SpecLoader(PluginCatalog.BuiltIn()).Resolve(spec, Path.Combine(TestSpecs.RepositoryRoot, "experiments", "test.json"), Array.Empty<string>());
        return new TestExperiment(ComposedExperiment.Build(resolved));
    }

    /// <summary>Builds a resolved spec's experiment with a throwaway host (for code that takes a build function).</summary>
    internal static Experiment BuildDetached(ResolvedSpec resolved)
    {
        var environment = ProcessSetup.Prepare(resolved);
        using var host = ForgeHost.Build(environment, PluginCatalog.BuiltIn());
        return host.Services.GetRequiredService<ExperimentBuilder>().Build(resolved, environment);
    }

    public void Dispose()
    {
        _composed.Dispose();
    }
}
