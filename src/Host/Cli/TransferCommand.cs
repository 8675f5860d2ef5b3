using System.Text.Json.Nodes;
using Forge.Host.Specs;
using Forge.Host.Sweeps;

namespace Forge.Host.Cli;

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
            var folder = Path.GetFullPath(from);
            var state = await SweepState.LoadAsync(folder, cancellationToken);
            var loader = new SpecLoader(LoadCatalog());
            var proxy = await loader.LoadAsync(state.SpecPath, state.Overrides, cancellationToken);
            var sweep = proxy.Spec.Sweep!;
            var chosenMetric = metric ?? sweep.Metric;
            var selection = TransferSelection.Choose(SweepResults.Collect(folder, state, sweep.LastSteps), chosenMetric)
                ?? throw new SpecException(folder, new SpecProblem("", "has no finished trial with a finite metric to transfer from; resume the sweep or check its failures in sweep.json."));

            var target = await loader.LoadAsync(to, selection.Overrides, cancellationToken); // validated, with the chosen values applied
            var destination = Path.GetFullPath(outputPath ?? Path.Combine(target.SpecDirectory, Path.GetFileNameWithoutExtension(to) + ".transferred.json"));
            await File.WriteAllTextAsync(destination, target.Document.ToJsonString(SpecJson.OutputOptions) + "\n", cancellationToken);
            await Output.WriteLineAsync($"best by {SpecJson.EnumName(chosenMetric)}: {selection}");
            await Output.WriteLineAsync($"wrote {destination}");
            if (!run)
                return ExitCodes.Success;
            return await new RunCommand(Output, Error).ExecuteAsync(destination, Array.Empty<string>(), runsRoot, plain: true, verbose: false, cancellationToken);
        });
}
