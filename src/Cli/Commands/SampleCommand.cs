using Forge.Cli.Rendering;
using Forge.Core.Errors;
using Forge.Core.Inference;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge sample CHECKPOINT [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]</c>:
/// writes the prompt, then the text the model generates after it as it is generated (<see cref="TextSampler"/>),
/// decoded with the tokenizer the checkpoint recorded.
/// </summary>
internal sealed class SampleCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string checkpoint, SamplingOptions options, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            options.Validate();
            using var model = await Task.Run(() => TrainedModel.Load(checkpoint, LoadCatalog(), ConsoleLogging.For(Verbose)), cancellationToken);
            ReportNativeSetup();
            var tokenizer = model.Tokenizer();
            await Output.WriteAsync(options.Prompt);
            await Task.Run(() => new TextSampler(model.Experiment, tokenizer).Generate(options, piece =>
            {
                cancellationToken.ThrowIfCancellationRequested();
                Output.Write(piece);
                Output.Flush();
            }), cancellationToken);
            await Output.WriteLineAsync();
            return ExitCodes.Success;
        });
}
