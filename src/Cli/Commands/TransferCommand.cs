using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Specs;
using Forge.Sweeps;
using Forge.Cli.Rendering;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge transfer --from SWEEP_DIR --to target.json</c>: picks the proxy sweep's best hyperparameters (lowest
/// mean metric over seeds; the sweep's metric unless --metric is given), writes the target spec with them applied
/// (next to the target as <c>&lt;name&gt;.transferred.json</c> unless --output is given) and, with --run, trains it.
/// </summary>
internal sealed class TransferCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string from, string to, string? outputPath, SweepMetric? metric, bool run, string runsRoot, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var loader = new SpecLoader(LoadCatalog());
            var proxy = await Sweep.OpenAsync(loader, from, launcher: null, requireUnchangedSpec: false, cancellationToken);
            var chosenMetric = metric ?? proxy.Options.Metric;
            var selection = TransferSelection.Choose(SweepResults.Collect(proxy.Folder, proxy.State, proxy.Options.LastSteps), chosenMetric)
                ?? throw new SpecException(proxy.Folder, new SpecProblem("", "has no finished trial with a finite metric to transfer from; resume the sweep or check its failures in sweep.json."));

            var target = await loader.LoadAsync(to, selection.Overrides, cancellationToken); // validated, with the chosen values applied
            var destination = Path.GetFullPath(outputPath ?? Path.Combine(target.SpecDirectory, Path.GetFileNameWithoutExtension(to) + ".transferred.json"));
            var written = SpecPaths.Rebase(target.Document, target, Path.GetDirectoryName(destination)!); // its relative paths hold from where it is written
            await File.WriteAllTextAsync(destination, written.ToJsonString(SpecJson.OutputOptions) + "\n", cancellationToken);
            await Output.WriteLineAsync($"best by {SpecJson.EnumName(chosenMetric)}: {selection}");
            await Output.WriteLineAsync($"wrote {destination}");
            if (!run)
                return ExitCodes.Success;
            return await ConsoleRun.TrainAsync(await loader.LoadAsync(destination, Array.Empty<string>(), cancellationToken), runsRoot, live: false, Verbose, Output, Error, cancellationToken);
        });
}
