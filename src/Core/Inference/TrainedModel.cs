using Forge.Abstractions.Data;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Corpora;
using Forge.Core.Errors;
using Forge.Core.Hosting;
using Forge.Core.Plugins;
using Forge.Core.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Inference;

/// <summary>
/// A trained model rebuilt from a checkpoint for <c>forge eval</c> and <c>forge sample</c>: the spec the checkpoint
/// recorded (without its <c>init</c> and <c>sweep</c> sections), built on the data shapes it recorded (so the training
/// data need not be at hand), with the checkpoint's weights, in evaluation mode.
/// </summary>
public sealed class TrainedModel : IDisposable
{
    private readonly ComposedExperiment _composed;
    private readonly SpecLoader _loader;

    private TrainedModel(string folder, CheckpointSidecar sidecar, ComposedExperiment composed, SpecLoader loader)
    {
        Folder = folder;
        Sidecar = sidecar;
        _composed = composed;
        _loader = loader;
    }

    /// <summary>The checkpoint folder it was loaded from.</summary>
    public string Folder { get; }

    /// <summary>What the checkpoint recorded.</summary>
    public CheckpointSidecar Sidecar { get; }

    /// <summary>The rebuilt experiment (its model holds the checkpoint's weights).</summary>
    public Experiment Experiment => _composed.Experiment;

    /// <summary>The spec it was trained with.</summary>
    public ResolvedSpec Spec => _composed.Spec;

    /// <summary>The shapes of the data it was trained on.</summary>
    public DataDescription Data => Experiment.Dataset.Description;

    /// <summary>Loads the checkpoint <paramref name="path"/> names (<see cref="CheckpointFolder"/>) and rebuilds its model.</summary>
    public static TrainedModel Load(string path, PluginCatalog catalog, Action<ILoggingBuilder>? logging = null)
    {
        using var checkpoint = CheckpointFolder.Load(path);
        var sidecar = checkpoint.Sidecar;
        var loader = new SpecLoader(catalog);
        ResolvedSpec spec;
        try
        {
            spec = loader.Resolve(SpecSections.WithoutStartAndSweep(sidecar.Spec), sidecar.SpecPath ?? Path.Combine(checkpoint.Folder, "spec.json"), Array.Empty<string>());
        }
        catch (SpecException e)
        {
            throw new RunSetupException($"CHECKPOINT: the spec recorded in {checkpoint.Folder} no longer resolves: {e.Message}", e);
        }
        var composed = ComposedExperiment.Build(spec, catalog, logging, sidecar.Data is { } data ? new RecordedData(data) : null);
        try
        {
            TrainingCheckpoint.CheckCompatible(checkpoint, composed.Experiment);
            TrainingCheckpoint.CopyWeights(checkpoint, composed.Experiment);
        }
        catch (InvalidDataException e)
        {
            composed.Dispose();
            throw new RunSetupException($"CHECKPOINT: {e.Message} The plugins changed since it was written; use the Forge it was trained with.", e);
        }
        composed.Experiment.Model.eval();
        return new TrainedModel(checkpoint.Folder, sidecar, composed, loader);
    }

    /// <summary>The tokenizer it was trained with; a checkpoint that names none, or one that cannot be rebuilt, is a <see cref="RunSetupException"/>.</summary>
    public TextTokenizer Tokenizer()
    {
        if (Sidecar.Tokenizer is not { } recorded)
            throw new RunSetupException($"CHECKPOINT: {Folder} records no tokenizer, so its tokens cannot be turned into text: its run's data named none (token files without meta.json and without data.tokenizer), or it was written before Forge recorded tokenizers. Train with data that names its tokenizer.");
        return TextTokenizer.From(recorded.ToInfo(), $"CHECKPOINT {Folder}");
    }

    /// <summary>
    /// A dataset for evaluation: the run's own (with <paramref name="context"/> when given), or the one
    /// <paramref name="data"/> describes (a spec data section), with the same tokenizer as the run.
    /// </summary>
    public IDatasetPlugin Dataset(System.Text.Json.Nodes.JsonObject? data, int? context)
    {
        var document = SpecSections.WithoutStartAndSweep(Spec.Document);
        if (data is not null)
            document["data"] = data;
        if (context is { } n)
            document["data"]!["context"] = n;
        ResolvedSpec spec;
        try
        {
            spec = _loader.Resolve(document, Spec.SpecPath, Array.Empty<string>(), data is null ? "the run's data" : "--data");
        }
        catch (SpecException e)
        {
            throw new RunSetupException(e.Message, e);
        }
        return _composed.Host.Services.GetRequiredService<ExperimentBuilder>().CreateDataset(spec, _composed.Environment);
    }

    public void Dispose() => _composed.Dispose();
}
