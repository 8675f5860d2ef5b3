using System.Globalization;
using Forge.Cli.Rendering;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Specs;
using Forge.Sweeps;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge sweep SPEC</c> expands the spec's <c>sweep</c> section into trials and runs them (<see cref="Sweep"/>);
/// <c>forge sweep resume DIR</c> runs only the trials that are not done; <c>forge sweep status DIR</c> reads the
/// outcomes without running anything. Each finishes with <c>results.csv</c>, the plots and a summary table. Exit 0 when
/// every trial is done, 1 when some are not, 130 when interrupted; with the kubernetes launcher, 0 once the Job's
/// manifest is written (it runs when applied).
/// </summary>
internal sealed class SweepCommand(TextWriter output, TextWriter error, bool live = false, bool freshProcesses = false, LauncherKind? launcher = null) : CommandBase(output, error)
{
    public Task<int> StartAsync(string specPath, IReadOnlyList<string> overrides, string runsRoot, int parallel, bool failFast, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var sweep = await Sweep.CreateAsync(new SpecLoader(LoadCatalog()), specPath, overrides, runsRoot, launcher, cancellationToken);
            var options = sweep.Options;
            await Output.WriteLineAsync($"sweep of {sweep.State.Trials.Count} trials ({options.Method.ToString().ToLowerInvariant()} over {string.Join(", ", options.Parameters.Keys)}) in {sweep.Folder}, {parallel} at a time");
            return await RunAndReportAsync(sweep, parallel, failFast, cancellationToken);
        });

    public Task<int> ResumeAsync(string folder, int parallel, bool failFast, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var sweep = await Sweep.OpenAsync(new SpecLoader(LoadCatalog()), folder, launcher, requireUnchangedSpec: true, cancellationToken);
            await Output.WriteLineAsync(sweep.Remaining == 0
                ? $"every trial of {sweep.Folder} is done; nothing to run."
                : $"resuming {sweep.Folder}: {sweep.Remaining} of {sweep.State.Trials.Count} trials to run, {parallel} at a time");
            return await RunAndReportAsync(sweep, parallel, failFast, cancellationToken);
        });

    /// <summary><c>forge sweep status DIR</c>: the trials' outcomes as far as they are known, without running anything.</summary>
    public Task<int> StatusAsync(string folder, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
            await ReportAsync(await Sweep.OpenAsync(new SpecLoader(LoadCatalog()), folder, launcher: null, requireUnchangedSpec: false, cancellationToken), cancellationToken));

    private async Task<int> RunAndReportAsync(Sweep sweep, int parallel, bool failFast, CancellationToken cancellationToken)
    {
        switch (sweep.Options.Launcher)
        {
            case LauncherKind.Kubernetes:
                var manifest = await sweep.WriteKubernetesJobAsync(parallel, cancellationToken);
                await Output.WriteLineAsync($"wrote the Kubernetes Indexed Job {manifest}: apply it with 'kubectl apply -f {manifest}'; when it has finished, 'forge sweep status {sweep.Folder}' reads the trials' outcomes. (Forge does not contact the cluster itself.)");
                return ExitCodes.Success;
        }
        var loader = new SpecLoader(LoadCatalog());
        do
        {
            if (sweep.Options.Launcher == LauncherKind.Slurm)
                await sweep.RunOnSlurmAsync(Output, Error, parallel, cancellationToken);
            else
                await RunHereAsync(sweep, WorkerReuse.Allowed(sweep.Spec, freshProcesses), parallel, failFast, cancellationToken);
        }
        while (!cancellationToken.IsCancellationRequested && !(failFast && sweep.State.Trials.Any(t => t.State == TrialState.Failed)) && await AdvanceAsync(sweep, loader));
        return await ReportAsync(sweep, cancellationToken);
    }

    /// <summary>The next stage of a staged search, announced; false when there is none.</summary>
    private async Task<bool> AdvanceAsync(Sweep sweep, SpecLoader loader)
    {
        int before = sweep.State.Trials.Count;
        if (!await sweep.AdvanceAsync(loader))
            return false;
        var added = sweep.State.Trials.Skip(before).ToList();
        int repeats = added.Count(t => t.SameAs is not null);
        await Output.WriteLineAsync($"stage {added[0].Stage}: {added.Count} trial(s) ({string.Join("; ", added.Select(t => string.Join(" ", t.Overrides)))})" +
            (repeats > 0 ? $"; {repeats} of them the same experiment as an earlier trial, not run again" : ""));
        return true;
    }

    /// <summary>
    /// Runs the trials on this machine: on a terminal under a live per-trial table (failures are printed when it
    /// closes); otherwise with one line per finished trial.
    /// </summary>
    private async Task RunHereAsync(Sweep sweep, bool reuseWorkers, int parallel, bool failFast, CancellationToken cancellationToken)
    {
        if (!live)
        {
            await sweep.RunHereAsync(new SweepRunner(TextWriter.Synchronized(Output), TextWriter.Synchronized(Error), reuseWorkers), parallel, failFast, cancellationToken);
            return;
        }
        var table = new SweepTable(sweep.State.Trials);
        var failures = new StringWriter();
        var runner = new SweepRunner(TextWriter.Null, TextWriter.Synchronized(failures), reuseWorkers, table.Report);
        await Spectre.Console.AnsiConsole.Live(table.Build()).StartAsync(async context =>
        {
            var running = sweep.RunHereAsync(runner, parallel, failFast, cancellationToken);
            while (!running.IsCompleted)
            {
                context.UpdateTarget(table.Build());
                await Task.WhenAny(running, Task.Delay(500, CancellationToken.None));
            }
            await running;
            context.UpdateTarget(table.Build());
        });
        await Error.WriteAsync(failures.ToString());
    }

    /// <summary>results.csv, the plots and the table; exit 0 when every trial is done.</summary>
    private async Task<int> ReportAsync(Sweep sweep, CancellationToken cancellationToken)
    {
        var results = await sweep.ReportAsync(message => Error.WriteLine($"warning: {message}"));
        await WriteSummary(results, sweep.Options, sweep.ReportedPaths);
        await Output.WriteLineAsync(SweepResults.Compute(results) + Budget(sweep.Options));
        if (sweep.BudgetCut is { } cut)
            await Output.WriteLineAsync($"budget: {cut}");
        int notDone = sweep.Remaining;
        await Output.WriteLineAsync(notDone == 0
            ? $"sweep done: {SweepResults.CsvFile}, loss-vs-lr, loss-curves and metric-vs-PARAMETER figures (.png, .svg) in {sweep.Folder}"
            : $"sweep incomplete: {notDone} trials not done; run 'forge sweep resume {sweep.Folder}' to run them.");
        return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : notDone == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    private async Task WriteSummary(IReadOnlyList<TrialResult> results, SweepOptions sweep, IReadOnlyList<string> paths)
    {
        await Output.WriteLineAsync($"{"trial",-10} {"state",-8} {string.Join(" ", paths.Select(p => $"{p,-16}"))} {SpecJson.EnumName(sweep.Metric),14}");
        var best = TransferSelection.TopRung(results).Where(r => r.Score(sweep.Metric) is { } m && double.IsFinite(m)).MinBy(r => r.Score(sweep.Metric));
        if (sweep.Method == SweepMethod.Independent)
            best = results.LastOrDefault(r => r.Stage == IndependentSearch.CombinedStage) ?? best; // the search's answer, not the luckiest trial
        foreach (var r in results)
        {
            var metric = r.Metric(sweep.Metric) is { } m ? m.ToString("F4", CultureInfo.InvariantCulture) : r.Diverged ? "diverged" : "-";
            await Output.WriteLineAsync($"{r.Id,-10} {SpecJson.EnumName(r.State),-8} {string.Join(" ", paths.Select(p => $"{Shorten(r.Values.GetValueOrDefault(p, "")),-16}"))} {metric,14}{(r.Rung is { } rung ? $"  rung {rung}, {r.Steps} steps" : "")}{(r.SameAs is { } twin ? $"  same as {twin}, not run" : "")}{(r == best ? "  <- best" : "")}");
        }
        if (sweep.Method == SweepMethod.Independent)
            foreach (var (stage, parameter, winner) in IndependentSearch.StageWinners(results, sweep))
                await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"stage {stage}{(parameter.Length > 0 && stage == IndependentSearch.EachStage ? $" ({parameter})" : "")}: {winner.Id} won, {SpecJson.EnumName(sweep.Metric)} {winner.Metric(sweep.Metric):F4} ({SweepResults.StagesFile})"));
    }

    private static string Budget(SweepOptions sweep) =>
        sweep.MaxSteps > 0 || sweep.MaxTrials > 0
            ? string.Create(CultureInfo.InvariantCulture, $" (budget: {(sweep.MaxTrials > 0 ? $"{sweep.MaxTrials} trials" : "")}{(sweep.MaxTrials > 0 && sweep.MaxSteps > 0 ? ", " : "")}{(sweep.MaxSteps > 0 ? $"{sweep.MaxSteps:N0} steps" : "")})")
            : "";

    private static string Shorten(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("G5", CultureInfo.InvariantCulture) : value;
}
