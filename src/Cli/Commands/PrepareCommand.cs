using System.Globalization;
using Forge.Core.Corpora;
using Forge.Core.Errors;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge prepare INPUT... --tokenizer NAME --output DIR</c>: encodes text or JSONL files (gzip allowed, or folders of
/// them) into train.bin, val.bin and meta.json for the <c>tokens</c> dataset (<see cref="CorpusPreparation"/>).
/// </summary>
internal sealed class PrepareCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    /// <summary>Whether progress is rewritten in place on a terminal rather than written as lines.</summary>
    public bool Live { get; init; }

    public Task<int> ExecuteAsync(PrepareOptions options, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var line = new Rendering.PrepareProgressLine(Error, Live);
            PrepareResult result;
            try
            {
                result = await Task.Run(() => CorpusPreparation.Run(options, line.Report, cancellationToken), cancellationToken);
            }
            finally
            {
                line.Close();
            }
            double seconds = Math.Max(result.Elapsed.TotalSeconds, 1e-9);
            await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"prepared {result.TrainTokens:N0} training and {result.ValTokens:N0} held-out tokens (vocabulary {result.VocabularySize:N0}, {options.Tokenizer}) from {result.Characters:N0} characters in {result.Elapsed.TotalSeconds:F1} s ({result.Bytes / 1e6 / seconds:F1} MB/s, {(result.TrainTokens + result.ValTokens) / seconds:N0} tokens/s): {result.Folder}"));
            await Output.WriteLineAsync($"train on it with \"data\": {{ \"name\": \"tokens\", \"path\": \"{result.Folder}\" }}");
            return ExitCodes.Success;
        });
}
