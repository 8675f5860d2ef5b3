using System.Collections.Concurrent;
using System.Globalization;
using Spectre.Console;
using Forge.Core.Specs;
using Forge.Sweeps;

namespace Forge.Cli.Rendering;

/// <summary>
/// The live per-trial table of <c>forge sweep</c> on a terminal: each trial's overrides, state, step, training loss
/// and last evaluation loss, updated from the workers' progress lines.
/// </summary>
internal sealed class SweepTable(IReadOnlyList<TrialRecord> trials)
{
    private readonly ConcurrentDictionary<string, TrialProgress> _progress = new();

    /// <summary>Records a worker's latest progress (called from the sweep runner's output pumps).</summary>
    public void Report(TrialRecord trial, TrialProgress progress) => _progress[trial.Id] = progress;

    public Table Build()
    {
        var table = new Table().Border(TableBorder.Simple)
            .AddColumns("trial", "overrides", "state", "step", "loss", "eval loss");
        foreach (var trial in trials)
        {
            var progress = _progress.GetValueOrDefault(trial.Id);
            var state = SpecJson.EnumName(trial.State);
            var color = trial.State switch
            {
                TrialState.Done => "green",
                TrialState.Failed => "red",
                TrialState.Running => "yellow",
                _ => "grey",
            };
            table.AddRow(
                Markup.Escape(trial.Id),
                Markup.Escape(string.Join(" ", trial.Overrides)),
                $"[{color}]{state}[/]",
                progress is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{progress.Step}/{progress.TotalSteps}"),
                progress is null ? "-" : progress.Loss.ToString("F4", CultureInfo.InvariantCulture),
                progress?.EvalLoss?.ToString("F4", CultureInfo.InvariantCulture) ?? "-");
        }
        return table;
    }
}
