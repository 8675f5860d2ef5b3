using System.Globalization;
using Forge.Host.Specs;
using Forge.Host.Sweeps;
using Forge.Host.Training;

namespace Forge.Host.Cli;

/// <summary>
/// <c>forge sweep SPEC</c> expands the spec's <c>sweep</c> section into trials, creates
/// <c>runs/&lt;name&gt;/sweep-&lt;time&gt;/</c> with <c>sweep.json</c>, and runs the trials in parallel worker processes;
/// <c>forge sweep resume DIR</c> runs only the trials that are not done. Both finish with <c>results.csv</c>, the
/// plots and a summary table. Exit 0 when every trial is done, 1 when some failed.
/// </summary>
internal sealed class SweepCommand(TextWriter output, TextWriter error, bool live = false, bool freshProcesses = false, LauncherKind? launcher = null) : CommandBase(output, error)
{
    /// <summary>The <c>--launcher</c> choice as a spec override (recorded with the sweep when it starts).</summary>
    private IEnumerable<string> LauncherOverride => launcher is { } kind ? new[] { $"sweep.launcher={SpecJson.EnumName(kind)}" } : Array.Empty<string>();

    public Task<int> StartAsync(string specPath, IReadOnlyList<string> overrides, string runsRoot, int parallel, bool failFast, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var loader = new SpecLoader(LoadCatalog());
            overrides = overrides.Concat(LauncherOverride).ToList();
            var spec = await loader.LoadAsync(specPath, overrides, cancellationToken);
            var sweep = spec.Spec.Sweep ?? throw new SpecException(specPath, new SpecProblem("sweep",
                "is missing; add a \"sweep\": { \"parameters\": { \"optimizer.lr\": { \"log2Min\": -12, \"log2Max\": -4 } } } section to sweep over."));
            var plan = SweepPlan.Expand(sweep, BaseLearningRate(spec, sweep), spec.Spec.Training.BatchSize, spec.Spec.Training.Steps);
            ValidateTrials(loader, spec, plan);

            var startedAt = DateTimeOffset.UtcNow;
            var folder = (await RunFolder.CreateAsync(runsRoot, spec, startedAt, cancellationToken, prefix: "sweep-")).Path;
            var state = new SweepState
            {
                SpecPath = spec.SpecPath,
                SpecSha256 = Files.FileHash.Sha256Of(spec.SpecPath),
                // Trials are short and many: no checkpoints unless the spec asks for them.
                Overrides = spec.Document.ContainsKey("checkpoint") ? overrides.ToList() : overrides.Append("checkpoint=\"none\"").ToList(),
                CreatedAt = startedAt,
                Trials = plan.Select(t => new TrialRecord { Id = t.Id, Overrides = t.Overrides }).ToList(),
            };
            await state.SaveAsync(folder);
            await Output.WriteLineAsync($"sweep of {plan.Count} trials ({sweep.Method.ToString().ToLowerInvariant()} over {string.Join(", ", sweep.Parameters.Keys)}) in {folder}, {parallel} at a time");
            return await RunAndReportAsync(folder, state, spec, parallel, failFast, cancellationToken);
        });

    public Task<int> ResumeAsync(string folder, int parallel, bool failFast, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            folder = Path.GetFullPath(folder);
            var state = await SweepState.LoadAsync(folder, cancellationToken);
            if (!File.Exists(state.SpecPath) || Files.FileHash.Sha256Of(state.SpecPath) != state.SpecSha256)
                throw new SpecException(folder, new SpecProblem("sweep.json",
                    $"the spec {state.SpecPath} is missing or has changed since the sweep began, so its remaining trials would not match the finished ones. Restore the spec, or start a new sweep."));
            var spec = await new SpecLoader(LoadCatalog()).LoadAsync(state.SpecPath, state.Overrides.Concat(LauncherOverride).ToList(), cancellationToken);
            if (state.MergeTrialStatus(folder) > 0)
                await state.SaveAsync(folder);
            var remaining = state.Trials.Count(t => t.State != TrialState.Done);
            await Output.WriteLineAsync(remaining == 0
                ? $"every trial of {folder} is done; nothing to run."
                : $"resuming {folder}: {remaining} of {state.Trials.Count} trials to run, {parallel} at a time");
            return await RunAndReportAsync(folder, state, spec, parallel, failFast, cancellationToken);
        });

    /// <summary><c>forge sweep status DIR</c>: the trials' outcomes as far as they are known, without running anything.</summary>
    public Task<int> StatusAsync(string folder, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            folder = Path.GetFullPath(folder);
            var state = await SweepState.LoadAsync(folder, cancellationToken);
            var spec = await new SpecLoader(LoadCatalog()).LoadAsync(state.SpecPath, state.Overrides, cancellationToken);
            if (state.MergeTrialStatus(folder) > 0)
                await state.SaveAsync(folder);
            return await ReportAsync(folder, state, spec.Spec.Sweep!, cancellationToken);
        });

    private async Task<int> RunAndReportAsync(string folder, SweepState state, ResolvedSpec spec, int parallel, bool failFast, CancellationToken cancellationToken)
    {
        var sweep = spec.Spec.Sweep!;
        if (sweep.Launcher == LauncherKind.Kubernetes)
        {
            var manifest = Path.Combine(folder, "kubernetes", KubernetesManifest.FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
            await Files.AtomicFile.WriteAllTextAsync(manifest, KubernetesManifest.Render(folder, state, parallel, sweep.Kubernetes)
                .ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
            await Output.WriteLineAsync($"wrote the Kubernetes Indexed Job {manifest}: apply it with 'kubectl apply -f {manifest}'; when it has finished, 'forge sweep status {folder}' reads the trials' outcomes. (Forge does not contact the cluster itself.)");
            return ExitCodes.Success;
        }
        await RunTrialsAsync(folder, state, spec, WorkerReuse.Allowed(spec, freshProcesses), parallel, failFast, cancellationToken);
        return await ReportAsync(folder, state, sweep, cancellationToken);
    }

    /// <summary>results.csv, the plots and the table; exit 0 when every trial is done.</summary>
    private async Task<int> ReportAsync(string folder, SweepState state, SweepOptions sweep, CancellationToken cancellationToken)
    {
        var results = SweepResults.Collect(folder, state, sweep.LastSteps);
        await File.WriteAllTextAsync(Path.Combine(folder, SweepResults.CsvFile), SweepResults.Csv(results, sweep.Parameters.Keys.ToList(), sweep.LastSteps), CancellationToken.None);
        try
        {
            SweepPlots.Write(results, sweep.Metric, folder);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await Error.WriteLineAsync($"warning: could not draw the plots ({e.Message}); {SweepResults.CsvFile} is complete.");
        }
        await WriteSummary(results, sweep);
        int notDone = state.Trials.Count(t => t.State != TrialState.Done);
        await Output.WriteLineAsync(notDone == 0
            ? $"sweep done: {SweepResults.CsvFile}, loss-vs-lr.png/svg and loss-curves.png/svg in {folder}"
            : $"sweep incomplete: {notDone} trials not done; run 'forge sweep resume {folder}' to run them.");
        return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : notDone == 0 ? ExitCodes.Success : ExitCodes.Failed;
    }

    /// <summary>
    /// Runs the trials: on a terminal under a live per-trial table (failures are printed when it closes); otherwise
    /// with one line per finished trial.
    /// </summary>
    private async Task RunTrialsAsync(string folder, SweepState state, ResolvedSpec spec, bool reuseWorkers, int parallel, bool failFast, CancellationToken cancellationToken)
    {
        var sweep = spec.Spec.Sweep!;
        if (sweep.Launcher == LauncherKind.Slurm)
        {
            await new SlurmLauncher(Output, Error, sweep.Slurm).RunAsync(folder, state, parallel, cancellationToken);
            return;
        }
        if (!live)
        {
            await new SweepRunner(TextWriter.Synchronized(Output), TextWriter.Synchronized(Error), reuseWorkers).RunAsync(folder, state, parallel, failFast, cancellationToken);
            return;
        }
        var table = new Console.SweepTable(state.Trials);
        var failures = new StringWriter();
        var runner = new SweepRunner(TextWriter.Null, TextWriter.Synchronized(failures), reuseWorkers, table.Report);
        await Spectre.Console.AnsiConsole.Live(table.Build()).StartAsync(async context =>
        {
            var running = runner.RunAsync(folder, state, parallel, failFast, cancellationToken);
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

    private async Task WriteSummary(IReadOnlyList<TrialResult> results, SweepOptions sweep)
    {
        var paths = sweep.Parameters.Keys.ToList();
        await Output.WriteLineAsync($"{"trial",-10} {"state",-8} {string.Join(" ", paths.Select(p => $"{p,-16}"))} {SpecJson.EnumName(sweep.Metric),14}");
        var best = results.Where(r => r.Metric(sweep.Metric) is { } m && double.IsFinite(m)).MinBy(r => r.Metric(sweep.Metric));
        foreach (var r in results)
        {
            var metric = r.Metric(sweep.Metric) is { } m ? m.ToString("F4", CultureInfo.InvariantCulture) : r.Diverged ? "diverged" : "-";
            await Output.WriteLineAsync($"{r.Id,-10} {SpecJson.EnumName(r.State),-8} {string.Join(" ", paths.Select(p => $"{Shorten(r.Values.GetValueOrDefault(p, "")),-16}"))} {metric,14}{(r == best ? "  <- best" : "")}");
        }
    }

    /// <summary>The optimizer's learning rate (its options' <c>Lr</c>), which a temperature rule scales; required only when one is used.</summary>
    private static double BaseLearningRate(ResolvedSpec spec, SweepOptions sweep)
    {
        if (spec.Optimizer.Options?.GetType().GetProperty("Lr")?.GetValue(spec.Optimizer.Options) is double lr)
            return lr;
        bool temperatureUsed = sweep.Temperature.Rule != TemperatureRule.None || sweep.Parameters.ContainsKey("sweep.temperature.rule");
        if (temperatureUsed && !sweep.Parameters.ContainsKey("optimizer.lr"))
            throw new SpecException(spec.SpecPath, new SpecProblem("sweep.temperature",
                $"needs the optimizer's learning rate, but the {spec.Optimizer.Plugin.Name} optimizer's options have no 'lr' field; sweep optimizer.lr explicitly or set the rule to none."));
        return 0.0;
    }

    private static string Shorten(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("G5", CultureInfo.InvariantCulture) : value;

    /// <summary>Every trial's spec must be valid before any trial starts: all problems at once, named by trial.</summary>
    private static void ValidateTrials(SpecLoader loader, ResolvedSpec spec, IReadOnlyList<TrialPlan> plan)
    {
        var problems = new List<SpecProblem>();
        foreach (var trial in plan)
        {
            try
            {
                loader.Resolve(spec.Document.DeepClone().AsObject(), spec.SpecPath, trial.Overrides); // the document has the command-line overrides
            }
            catch (SpecException e)
            {
                problems.AddRange(e.Problems.Select(p => p with { Message = $"in {trial.Id} ({string.Join(" ", trial.Overrides)}): {p.Message}" }));
            }
        }
        if (problems.Count > 0)
            throw new SpecException(spec.SpecPath, problems.Take(20).ToList());
    }
}
