using System.Text.Json.Nodes;
using Forge.Abstractions.Data;
using Forge.Abstractions.Models;
using Forge.Core.Checkpoints;
using Forge.Core.Errors;
using Forge.Core.Training;

namespace Forge.Core.Inference;

/// <summary>What <c>forge eval</c> is asked: other data (a prepared folder, a token file or a text file), another context, how many batches.</summary>
public sealed record EvaluationRequest(string? DataPath = null, int? Context = null, int? Batches = null);

/// <summary>
/// <c>forge eval</c>'s figures: mean loss per predicted token (nats), perplexity (e^loss) and bits per byte
/// (loss / ln 2 / bytes per token of the held-out text, so char and BPE models compare), on <see cref="Tokens"/> predictions;
/// for classification the top-1 <see cref="Accuracy"/>.
/// </summary>
public sealed record EvaluationResult(string Checkpoint, int Step, string Data, string? Tokenizer, int Context, int Batches, int BatchSize, long Tokens,
    double Loss, double? Perplexity, double? BitsPerByte, double? Accuracy = null);

/// <summary>Evaluates a <see cref="TrainedModel"/> on its run's held-out data or on other data with the same tokenizer.</summary>
public static class CheckpointEvaluation
{
    public static EvaluationResult Run(TrainedModel model, EvaluationRequest request)
    {
        var data = request.DataPath is { } path ? DataSection(path) : null;
        int context = request.Context ?? model.Data.SequenceLength;
        if (model.Experiment.Model is IIncrementalDecoder { MaxSequence: { } longest } && context > longest)
            throw new RunSetupException($"--context: {context} tokens is longer than the model's table of learned positions ({longest}, model.context); evaluate at most {longest} tokens, or train with positions that extend (model.positions).");
        var dataset = model.Dataset(data, request.Context is null && data is null ? null : context);
        using var owned = dataset as IDisposable;
        CheckSameTokens(model, dataset.Description, request.DataPath ?? "the run's data");
        var training = model.Spec.Experiment.Training;
        int batches = request.Batches ?? training.EvalBatches;
        if (batches < 1)
            throw new RunSetupException($"--batches: {batches} is not a positive number of held-out batches.");
        var (loss, accuracy) = Evaluation.HeldOut(model.Experiment, dataset, training.BatchSize, batches);
        var description = dataset.Description;
        bool crossEntropy = description.Task != TaskKind.Regression;
        long tokens = (long)training.BatchSize * batches * Math.Max(1, description.SequenceLength);
        return new EvaluationResult(model.Folder, model.Sidecar.Step, request.DataPath is null ? "the run's held-out data" : Path.GetFullPath(request.DataPath),
            model.Sidecar.Tokenizer?.Name, description.SequenceLength, batches, training.BatchSize, description.Task == TaskKind.LanguageModeling ? tokens : (long)training.BatchSize * batches,
            loss, crossEntropy ? Math.Exp(loss) : null,
            crossEntropy && description.HeldOutBytesPerToken is { } bytes and > 0 ? loss / Math.Log(2) / bytes : null, accuracy);
    }

    /// <summary>The data section of <paramref name="path"/>: a folder of token files, one token file, or a text file.</summary>
    private static JsonObject DataSection(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            return new JsonObject { ["name"] = "tokens", ["path"] = full };
        if (!File.Exists(full))
            throw new RunSetupException($"--data: {full} does not exist; give a folder forge prepare wrote, a .bin token file, or a text file.");
        if (full.EndsWith(".bin", StringComparison.OrdinalIgnoreCase))
            return new JsonObject { ["name"] = "tokens", ["train"] = full, ["val"] = full };
        return new JsonObject { ["name"] = "text", ["path"] = full };
    }

    /// <summary>Refuses data encoded with another tokenizer (by name, then vocabulary), or predicting something else.</summary>
    private static void CheckSameTokens(TrainedModel model, DataDescription data, string where)
    {
        var trained = model.Data;
        if (data.Task != trained.Task)
            throw new RunSetupException($"--data: {where} is {data.Task} data, but the model was trained on {trained.Task} data.");
        var recorded = model.Sidecar.Tokenizer;
        var other = CheckpointTokenizer.Of(data.Tokenizer);
        if (recorded is not null && data.Tokenizer is not null)
            CheckTokenizer(recorded, other, data.Tokenizer, where);
        if (data.VocabularySize > trained.VocabularySize || data.Outputs != trained.Outputs || data.InputFeatures != trained.InputFeatures)
            throw new RunSetupException($"--data: {where} has a vocabulary of {data.VocabularySize} ({data.Outputs} outputs), the model's is {trained.VocabularySize} ({trained.Outputs}); the data was encoded with another tokenizer.");
    }

    private static void CheckTokenizer(CheckpointTokenizer recorded, CheckpointTokenizer? other, TokenizerInfo named, string where)
    {
        if (other is null)
            throw new RunSetupException($"--data: {where} names the tokenizer {named.Name}, which cannot be built here, so it cannot be checked against the model's {recorded.Name}.");
        if (other.Name != recorded.Name)
            throw new RunSetupException($"--data: {where} was encoded with the tokenizer {other.Name}, but the model was trained with {recorded.Name}; evaluate on data prepared with --tokenizer {recorded.Name}.");
        if (!string.Equals(other.VocabularyHash, recorded.VocabularyHash, StringComparison.OrdinalIgnoreCase))
            throw new RunSetupException($"--data: {where} uses another {recorded.Name} vocabulary than the model ({other.Version}, vs {recorded.Version}: the characters or model file differ); evaluate on data with the model's vocabulary.");
    }
}
