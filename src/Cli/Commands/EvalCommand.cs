using System.Globalization;
using System.Text.Json;
using Forge.Cli.Rendering;
using Forge.Core.Errors;
using Forge.Core.Inference;
using Forge.Core.Specs;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge eval CHECKPOINT [--data PATH] [--context N] [--batches K] [--json]</c>: mean held-out loss, perplexity and
/// bits per byte of a checkpoint (<see cref="CheckpointEvaluation"/>), on its run's held-out data or other data with
/// the same tokenizer.
/// </summary>
internal sealed class EvalCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string checkpoint, EvaluationRequest request, bool json, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var model = await Task.Run(() => TrainedModel.Load(checkpoint, LoadCatalog(), ConsoleLogging.For(Verbose)), cancellationToken);
            ReportNativeSetup();
            var result = await Task.Run(() => CheckpointEvaluation.Run(model, request), cancellationToken);
            if (json)
                await Output.WriteLineAsync(JsonSerializer.Serialize(result, SpecJson.OutputOptions));
            else
                await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Checkpoint} (step {result.Step}) on {result.Data}: loss {result.Loss:F4}{(result.Perplexity is { } p ? $", perplexity {p:F3}" : "")}{(result.BitsPerByte is { } b ? $", {b:F4} bits per byte" : "")}{(result.Accuracy is { } a ? $", accuracy {a:P2}" : "")} ({result.Tokens:N0} predictions: {result.Batches} batches of {result.BatchSize}{(result.Context > 0 ? $" at context {result.Context}" : "")}{(result.Tokenizer is { } t ? $", tokenizer {t}" : "")})"));
            return ExitCodes.Success;
        });
}
