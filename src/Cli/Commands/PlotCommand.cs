using Forge.Core.Plots;
using Forge.Core.Errors;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge plot RUN_DIR... [--output PATH] [--title T] [--x step|tokens]</c>: training and evaluation loss against step (or tokens) for the
/// given run folders in one figure, written as PATH.png and PATH.svg (default: <c>loss</c> inside the first run
/// folder).
/// </summary>
internal sealed class PlotCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(IReadOnlyList<string> folders, string? outputPath, string? title, LossAxis axis, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var runs = new List<RunCurves>();
            foreach (var folder in folders)
                runs.Add(await RunCurves.ReadAsync(folder, cancellationToken));
            var target = Path.GetFullPath(outputPath ?? Path.Combine(folders[0], "loss"));
            if (Path.GetExtension(target) is ".png" or ".svg")
                target = Path.ChangeExtension(target, null);
            LossPlot.Write(runs, target, title, axis);
            await Output.WriteLineAsync($"wrote {target}.png and {target}.svg");
            return ExitCodes.Success;
        });
}
