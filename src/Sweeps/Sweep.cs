using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Files;
using Forge.Core.Runs;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// A sweep and its folder <c>runs/NAME/sweep-TIME/</c>: the spec it sweeps (resolved, with the command line's
/// overrides), its <c>sweep.json</c> state, and what can be done with it: run the trials that are not done (on this
/// machine, as a Slurm job array, or as a Kubernetes Indexed Job to apply), read the outcomes wherever they ran, and
/// report them (<c>results.csv</c> and the plots).
/// </summary>
public sealed class Sweep
{
    private Sweep(string folder, SweepState state, ResolvedSpec spec)
    {
        Folder = folder;
        State = state;
        Spec = spec;
    }

    public string Folder { get; }

    public SweepState State { get; }

    public ResolvedSpec Spec { get; }

    /// <summary>The spec's <c>sweep</c> section.</summary>
    public SweepOptions Options => Spec.Settings.Sweep!;

    /// <summary>
    /// Expands the spec's <c>sweep</c> section into trials, checks every trial's spec before any starts (all problems at
    /// once, named by trial), and creates the sweep folder with its <c>sweep.json</c>. Trials are short and many: they
    /// write no checkpoints unless the spec has a <c>checkpoint</c> section.
    /// </summary>
    /// <param name="launcher"><c>--launcher</c>: where trials run, instead of the spec's <c>sweep.launcher</c> (recorded, so resume and status use it too).</param>
    public static async Task<Sweep> CreateAsync(SpecLoader loader, string specPath, IReadOnlyList<string> overrides, string runsRoot, LauncherKind? launcher,
        CancellationToken cancellationToken)
    {
        var spec = await loader.LoadAsync(specPath, overrides, cancellationToken);
        var sweep = spec.Settings.Sweep ?? throw new SpecException(specPath, new SpecProblem("sweep",
            "is missing; add a \"sweep\": { \"parameters\": { \"optimizer.lr\": { \"log2Min\": -12, \"log2Max\": -4 } } } section to sweep over."));
        UseLauncher(spec, launcher);
        CheckHalving(spec, sweep);
        var trials = sweep.Method == SweepMethod.Independent
            ? IndependentSearch.FirstStage(sweep).ToList()
            : SweepPlan.Expand(sweep, BaseLearningRate(spec, sweep), spec.Experiment.Training.BatchSize, spec.Experiment.Training.Steps)
                .Select(t => new TrialRecord { Id = t.Id, Overrides = t.Overrides }).ToList();
        var steps = Steps(ValidateTrials(loader, spec, trials));
        int planned = trials.Count;
        if (sweep.Method == SweepMethod.Halving)
        {
            var halving = new SuccessiveHalving(sweep, spec.Experiment.Training.Steps);
            trials = SuccessiveHalving.StartingOrder(trials, sweep.Seed)
                .Take(sweep.MaxTrials > 0 ? sweep.MaxTrials : int.MaxValue).ToList(); // maxSteps is spent as the search goes
            trials.ForEach(halving.Start);
        }
        else
            trials = WithinBudget(sweep, trials, steps, spent: 0).ToList();

        var startedAt = DateTimeOffset.UtcNow;
        var folder = (await RunFolder.CreateAsync(runsRoot, spec, startedAt, cancellationToken, prefix: "sweep-")).Path;
        var state = new SweepState
        {
            SpecPath = spec.SpecPath,
            SpecSha256 = SpecComposition.Sha256(spec.SpecPath),
            Overrides = spec.Document.ContainsKey("checkpoint") ? overrides.ToList()
                : overrides.Append(sweep.Method == SweepMethod.Halving ? "checkpoint={\"interval\":0,\"keepLast\":1}" : "checkpoint=\"none\"").ToList(), // halving continues trials from their checkpoints
            Launcher = launcher,
            CreatedAt = startedAt,
            Trials = trials,
        };
        await state.SaveAsync(folder);
        return new Sweep(folder, state, spec) { BudgetCut = trials.Count < planned ? $"the budget kept {trials.Count} of the {planned} trials planned" : null };
    }

    /// <summary>
    /// An existing sweep folder with its spec resolved as the sweep recorded it (plus <paramref name="overrides"/>, e.g. a
    /// launcher). With <paramref name="requireUnchangedSpec"/> the spec file must still be the one the sweep began with,
    /// so that its remaining trials match the finished ones. Every trial's recorded outcome (<c>status.json</c>) is read in.
    /// </summary>
    /// <param name="launcher"><c>--launcher</c> for this invocation; otherwise the one the sweep recorded, otherwise the spec's.</param>
    public static async Task<Sweep> OpenAsync(SpecLoader loader, string folder, LauncherKind? launcher, bool requireUnchangedSpec, CancellationToken cancellationToken)
    {
        folder = Path.GetFullPath(folder);
        var state = await SweepState.LoadAsync(folder, cancellationToken);
        if (requireUnchangedSpec && !SpecUnchanged(state))
            throw new SpecException(folder, new SpecProblem(SweepState.FileName,
                $"the spec {state.SpecPath} or a spec it extends is missing or has changed since the sweep began, so its remaining trials would not match the finished ones. Restore the spec, or start a new sweep."));
        var spec = await loader.LoadAsync(state.SpecPath, state.Overrides, cancellationToken);
        UseLauncher(spec, launcher ?? state.Launcher);
        if (state.MergeTrialStatus(folder) > 0)
            await state.SaveAsync(folder);
        return new Sweep(folder, state, spec);
    }

    /// <summary>Whether the spec file and every file of its <c>extends</c> chain are still those the sweep began with.</summary>
    private static bool SpecUnchanged(SweepState state)
    {
        if (!File.Exists(state.SpecPath))
            return false;
        try
        {
            return SpecComposition.Sha256(state.SpecPath) == state.SpecSha256;
        }
        catch (SpecException)
        {
            return false; // a base that is gone or broken
        }
    }

    /// <summary>When the budget (maxTrials, maxSteps) left out trials a stage planned: what it cut, for the report; null otherwise.</summary>
    public string? BudgetCut { get; private set; }

    /// <summary>Trials still to run (<see cref="SweepState.Unsettled"/>).</summary>
    public int Remaining => State.Unsettled.Count;

    /// <summary>
    /// A staged search (<c>independent</c>) whose trials have all ended (done or failed) plans its next stage from
    /// their results, checks it and records it in <c>sweep.json</c>; returns whether it added trials (false: the
    /// search is complete, or the method has one stage).
    /// </summary>
    public async Task<bool> AdvanceAsync(SpecLoader loader)
    {
        if (Options.Method != SweepMethod.Independent || State.Trials.Any(t => t.State is TrialState.Pending or TrialState.Running))
            return false;
        var planned = IndependentSearch.NextStage(Options, State.Trials, SweepResults.Collect(Folder, State, Options.LastSteps), Spec.Experiment.Seed);
        var ran = State.Trials.Where(t => t.SameAs is null).ToList();
        var ranSpecs = ValidateTrials(loader, Spec, ran);
        var plannedSpecs = ValidateTrials(loader, Spec, planned);
        MarkRepeats(planned, plannedSpecs, ran, ranSpecs);
        var next = WithinBudget(Options, planned, Steps(plannedSpecs), Steps(ranSpecs).Sum(s => (long)s), ran.Count);
        if (next.Count < planned.Count)
            BudgetCut = $"the budget stopped stage {planned[0].Stage} after {next.Count} of its {planned.Count} trial(s)";
        if (next.Count == 0)
            return false;
        State.Trials.AddRange(next);
        await State.SaveAsync(Folder);
        return true;
    }

    /// <summary>
    /// Writes the Kubernetes Indexed Job that runs every trial (Forge does not contact the cluster) and returns its path.
    /// </summary>
    public async Task<string> WriteKubernetesJobAsync(int parallel, CancellationToken cancellationToken)
    {
        var manifest = Path.Combine(Folder, "kubernetes", KubernetesManifest.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
        await AtomicFile.WriteAllTextAsync(manifest, KubernetesManifest.Render(Folder, State, parallel, Options.Kubernetes)
            .ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
        return manifest;
    }

    /// <summary>Runs the trials that are not done as one Slurm job array (<see cref="SlurmLauncher"/>).</summary>
    /// <remarks>
    /// Successive halving runs rung by rung there: each array holds every trial that can start (the fresh
    /// configurations, then the promotions the finished array allows), so promotions wait for the array to end.
    /// </remarks>
    public async Task RunOnSlurmAsync(TextWriter output, TextWriter error, int parallel, CancellationToken cancellationToken)
    {
        var slurm = new SlurmLauncher(output, error, Options.Slurm);
        if (Options.Method != SweepMethod.Halving)
        {
            await slurm.RunAsync(Folder, State, parallel, cancellationToken);
            return;
        }
        var schedule = new HalvingSchedule(Halving, Folder, State, Options);
        while (!cancellationToken.IsCancellationRequested)
        {
            var batch = new List<TrialRecord>();
            while (schedule.Next(State.Trials, batch.Contains) is { } next)
                batch.Add(next);
            if (batch.Count == 0)
                break;
            await State.SaveAsync(Folder);
            await slurm.RunAsync(Folder, State, parallel, cancellationToken, batch);
            foreach (var trial in batch.Where(t => t.State is TrialState.Done or TrialState.Failed))
                schedule.Ended(trial);
            await State.SaveAsync(Folder);
        }
        await SkipOverBudgetAsync(failFast: false, cancellationToken);
    }

    /// <summary>Runs the trials that are not done on this machine (<see cref="SweepRunner"/>).</summary>
    public async Task RunHereAsync(SweepRunner runner, int parallel, bool failFast, CancellationToken cancellationToken)
    {
        if (Options.Method != SweepMethod.Halving)
        {
            await runner.RunAsync(Folder, State, parallel, failFast, cancellationToken);
            return;
        }
        await runner.RunAsync(Folder, State, parallel, failFast, cancellationToken, new HalvingSchedule(Halving, Folder, State, Options));
        await SkipOverBudgetAsync(failFast, cancellationToken);
    }

    /// <summary>Successive halving's rungs for this spec.</summary>
    public SuccessiveHalving Halving => new(Options, Spec.Experiment.Training.Steps);

    /// <summary>
    /// After successive halving has run out of trials to start (not stopped by the user or a failure): the
    /// configurations still pending did not fit the budget, and are marked skipped.
    /// </summary>
    private async Task SkipOverBudgetAsync(bool failFast, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || failFast && State.Trials.Any(t => t.State == TrialState.Failed))
            return;
        var left = State.Trials.Where(t => t.State == TrialState.Pending && t.Rung == 0).ToList();
        if (left.Count == 0)
            return;
        left.ForEach(t => t.State = TrialState.Skipped);
        BudgetCut = $"the budget of {Options.MaxSteps:N0} steps left {left.Count} configuration(s) unstarted (skipped)";
        await State.SaveAsync(Folder);
    }

    /// <summary>The spec paths the report shows: the swept ones, and the seed that the independent search's confirmation changes.</summary>
    public IReadOnlyList<string> ReportedPaths => Options.Method == SweepMethod.Independent
        ? Options.Parameters.Keys.Append("seed").ToList()
        : Options.Parameters.Keys.ToList();

    /// <summary>Every trial's outcome, written to <c>results.csv</c> and drawn (a plot that cannot be drawn is reported through <paramref name="warn"/>).</summary>
    public async Task<IReadOnlyList<TrialResult>> ReportAsync(Action<string> warn)
    {
        var results = SweepResults.Collect(Folder, State, Options.LastSteps);
        await File.WriteAllTextAsync(Path.Combine(Folder, SweepResults.CsvFile), SweepResults.Csv(results, ReportedPaths, Options.LastSteps), CancellationToken.None);
        if (Options.Method == SweepMethod.Independent)
            await File.WriteAllTextAsync(Path.Combine(Folder, SweepResults.StagesFile), SweepResults.StagesCsv(IndependentSearch.StageWinners(results, Options), Options.Metric), CancellationToken.None);
        try
        {
            SweepPlots.Write(results, Options.Metric, Folder);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            warn($"could not draw the plots ({e.Message}); {SweepResults.CsvFile} is complete.");
        }
        return results;
    }

    /// <summary>Sets <c>sweep.launcher</c> as the command line asks, and checks the sweep section again (kubernetes needs an image and a volume claim).</summary>
    private static void UseLauncher(ResolvedSpec spec, LauncherKind? launcher)
    {
        if (launcher is null || spec.Settings.Sweep is not { } sweep)
            return;
        sweep.Launcher = launcher.Value;
        var problems = sweep.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(sweep))
            .Select(r => new SpecProblem("sweep." + string.Concat(r.MemberNames.FirstOrDefault()?.Take(1).Select(char.ToLowerInvariant) ?? "") + (r.MemberNames.FirstOrDefault()?[1..] ?? ""), r.ErrorMessage ?? "is not valid."))
            .ToList();
        if (problems.Count > 0)
            throw new SpecException($"{spec.SpecPath} with --launcher {SpecJson.EnumName(launcher.Value)}", problems);
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

    /// <summary>
    /// Successive halving needs checkpoints (a promoted trial continues from its own) and one schedule length for every
    /// trial (its rungs are steps of training.steps).
    /// </summary>
    private static void CheckHalving(ResolvedSpec spec, SweepOptions sweep)
    {
        if (sweep.Method != SweepMethod.Halving)
            return;
        if (spec.Document.ContainsKey("checkpoint") && !spec.Settings.Checkpoint.Enabled)
            throw new SpecException(spec.SpecPath, new SpecProblem("checkpoint",
                "is off, but method halving continues each promoted trial from its checkpoint; remove the checkpoint section (halving trials then keep their last checkpoint only) or enable it."));
        if (sweep.Parameters.ContainsKey("training.steps") || sweep.Temperature.KeepSamples)
            throw new SpecException(spec.SpecPath, new SpecProblem("sweep.parameters",
                "vary training.steps (directly or through temperature.keepSamples), but method halving gives every trial the rungs of one training.steps; remove it, or use grid."));
    }

    /// <summary>
    /// The first trials of <paramref name="plan"/> that fit the budget: at most maxTrials trials in all (with
    /// <paramref name="before"/> planned already) and maxSteps updates in all (with <paramref name="spent"/> planned already).
    /// </summary>
    private static IReadOnlyList<TrialRecord> WithinBudget(SweepOptions sweep, IReadOnlyList<TrialRecord> plan, IReadOnlyList<int> steps, long spent, int before = 0)
    {
        var kept = new List<TrialRecord>();
        int trained = 0;
        for (int i = 0; i < plan.Count; i++)
        {
            if (plan[i].SameAs is not null)
            {
                kept.Add(plan[i]); // costs nothing: it is not run
                continue;
            }
            if (sweep.MaxTrials > 0 && before + trained >= sweep.MaxTrials || sweep.MaxSteps > 0 && spent + steps[i] > sweep.MaxSteps)
                break;
            spent += steps[i];
            trained++;
            kept.Add(plan[i]);
        }
        return kept;
    }

    /// <summary>
    /// A planned trial that is the same experiment (<see cref="ExperimentIdentity"/>) as a trial that finished is done
    /// already: it is marked <see cref="TrialRecord.SameAs"/> that trial and is not run. A staged search repeats such
    /// configurations by construction (each parameter's default value at the chosen learning rate, a combination of
    /// winners that is one of them), and a repeat of the same seed would only reproduce the same numbers.
    /// </summary>
    private static void MarkRepeats(IReadOnlyList<TrialRecord> planned, IReadOnlyList<ResolvedSpec> plannedSpecs, IReadOnlyList<TrialRecord> earlier, IReadOnlyList<ResolvedSpec> earlierSpecs)
    {
        var done = earlier.Select((t, i) => (Trial: t, Identity: earlierSpecs[i].Identity)).Where(e => e.Trial.State == TrialState.Done).ToList();
        for (int i = 0; i < planned.Count; i++)
        {
            var identity = plannedSpecs[i].Identity;
            if (done.FirstOrDefault(e => JsonNode.DeepEquals(e.Identity, identity)).Trial is { } twin)
                (planned[i].SameAs, planned[i].State) = (twin.Id, TrialState.Done);
        }
    }

    private static List<int> Steps(IReadOnlyList<ResolvedSpec> specs) => specs.Select(s => s.Experiment.Training.Steps).ToList();

    /// <summary>Every trial's spec must be valid before any trial starts: all problems at once, named by trial. Returns each trial's resolved spec.</summary>
    private static IReadOnlyList<ResolvedSpec> ValidateTrials(SpecLoader loader, ResolvedSpec spec, IReadOnlyList<TrialRecord> plan)
    {
        var problems = new List<SpecProblem>();
        var specs = new List<ResolvedSpec>();
        foreach (var trial in plan)
        {
            try
            {
                specs.Add(loader.Resolve(spec.Document.DeepClone().AsObject(), spec.SpecPath, trial.Overrides)); // the document has the command-line overrides
            }
            catch (SpecException e)
            {
                problems.AddRange(e.Problems.Select(p => p with { Message = $"in {trial.Id} ({string.Join(" ", trial.Overrides)}): {p.Message}" }));
            }
        }
        if (problems.Count > 0)
            throw new SpecException(spec.SpecPath, problems.Take(20).ToList());
        return specs;
    }
}
