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
        var trials = sweep.Method == SweepMethod.Independent
            ? IndependentSearch.FirstStage(sweep).ToList()
            : SweepPlan.Expand(sweep, BaseLearningRate(spec, sweep), spec.Experiment.Training.BatchSize, spec.Experiment.Training.Steps)
                .Select(t => new TrialRecord { Id = t.Id, Overrides = t.Overrides }).ToList();
        ValidateTrials(loader, spec, trials);

        var startedAt = DateTimeOffset.UtcNow;
        var folder = (await RunFolder.CreateAsync(runsRoot, spec, startedAt, cancellationToken, prefix: "sweep-")).Path;
        var state = new SweepState
        {
            SpecPath = spec.SpecPath,
            SpecSha256 = FileHash.Sha256Of(spec.SpecPath),
            Overrides = spec.Document.ContainsKey("checkpoint") ? overrides.ToList() : overrides.Append("checkpoint=\"none\"").ToList(),
            Launcher = launcher,
            CreatedAt = startedAt,
            Trials = trials,
        };
        await state.SaveAsync(folder);
        return new Sweep(folder, state, spec);
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
        if (requireUnchangedSpec && (!File.Exists(state.SpecPath) || FileHash.Sha256Of(state.SpecPath) != state.SpecSha256))
            throw new SpecException(folder, new SpecProblem(SweepState.FileName,
                $"the spec {state.SpecPath} is missing or has changed since the sweep began, so its remaining trials would not match the finished ones. Restore the spec, or start a new sweep."));
        var spec = await loader.LoadAsync(state.SpecPath, state.Overrides, cancellationToken);
        UseLauncher(spec, launcher ?? state.Launcher);
        if (state.MergeTrialStatus(folder) > 0)
            await state.SaveAsync(folder);
        return new Sweep(folder, state, spec);
    }

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
        var next = IndependentSearch.NextStage(Options, State.Trials, SweepResults.Collect(Folder, State, Options.LastSteps), Spec.Experiment.Seed);
        if (next.Count == 0)
            return false;
        ValidateTrials(loader, Spec, next);
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
    public Task RunOnSlurmAsync(TextWriter output, TextWriter error, int parallel, CancellationToken cancellationToken) =>
        new SlurmLauncher(output, error, Options.Slurm).RunAsync(Folder, State, parallel, cancellationToken);

    /// <summary>Runs the trials that are not done on this machine (<see cref="SweepRunner"/>).</summary>
    public Task RunHereAsync(SweepRunner runner, int parallel, bool failFast, CancellationToken cancellationToken) =>
        runner.RunAsync(Folder, State, parallel, failFast, cancellationToken);

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

    /// <summary>Every trial's spec must be valid before any trial starts: all problems at once, named by trial.</summary>
    private static void ValidateTrials(SpecLoader loader, ResolvedSpec spec, IReadOnlyList<TrialRecord> plan)
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
