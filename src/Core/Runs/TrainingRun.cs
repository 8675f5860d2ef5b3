using System.Diagnostics.Metrics;
using System.Globalization;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Hosting;
using Forge.Core.Plots;
using Forge.Core.Telemetry;
using Forge.Core.Training;
using Microsoft.Extensions.DependencyInjection;
using Forge.Core.Plugins;
using Forge.Core.Distributed;

namespace Forge.Core.Runs;

/// <summary>
/// One training run, the use case behind <c>forge run</c>, a sweep trial and <c>forge transfer --run</c>: builds the
/// spec's experiment, decides where it starts (afresh, or from a checkpoint to resume), prepares its run folder, starts
/// the metrics exporters, trains it with the loop and its observers (metrics.jsonl, per-layer diagnostics, fp8
/// rounding, telemetry, progress, checkpoints, the spec's callbacks), then writes <c>summary.json</c> and the loss plot.
/// Problems with the user's input before training (the spec, a file, a plugin, a checkpoint) are thrown as
/// <see cref="SpecException"/>, <see cref="RunSetupException"/> or <see cref="PluginFaultException"/>; whatever happens
/// once training has started ends in the summary.
/// </summary>
public static class TrainingRun
{
    /// <summary>Runs <paramref name="spec"/>; its result is the run's summary (also written to <c>summary.json</c>).</summary>
    public static async Task<RunSummary> ExecuteAsync(ResolvedSpec spec, RunOptions options, IRunSink sink, CancellationToken cancellationToken)
    {
        using var composed = ComposedExperiment.Build(spec, options.Catalog, options.Logging);
        var experiment = composed.Experiment;
        var settings = spec.Settings;

        var ranks = composed.Environment.Collective;
        if (ranks.Size > 1)
            sink.Joined(ranks.Rank, ranks.Size, $"pid {Environment.ProcessId}, {ranks.Description}, {composed.Environment.Threads} thread{(composed.Environment.Threads == 1 ? "" : "s")}");
        if (ranks.Rank != 0)
            return Follow(composed, cancellationToken);

        var startedAt = DateTimeOffset.UtcNow;
        ResumePlan plan;
        RunFolder folder;
        CheckpointStore store;
        try
        {
            plan = ResumePlan.Resolve(spec, options.RunsRoot, options.RunFolder, new SpecLoader(options.Catalog ?? PluginCatalog.BuiltIn()), sink.Warning);
            if (plan.Checkpoint is not null)
                CheckCompatible(plan.Checkpoint, experiment);
            folder = plan.ContinueIn is not null ? RunFolder.Open(plan.ContinueIn)
                : options.RunFolder is null ? await RunFolder.CreateAsync(options.RunsRoot, spec, startedAt, cancellationToken)
                : await RunFolder.CreateAtAsync(options.RunFolder, spec, cancellationToken);
            store = new CheckpointStore(folder.Path, settings.Checkpoint);
            PrepareFolder(folder, store, plan, experiment);
        }
        catch (Exception e) when (ranks.Size > 1)
        {
            RunHandOff.Exchange(ranks, new RunHandOff(null, null, e.Message)); // the other ranks stop with it instead of waiting
            throw;
        }
        using var _ = plan;
        if (plan.Checkpoint is { } from && (from.Sidecar.Ranks ?? 1) != ranks.Size)
            sink.Warning($"resuming a checkpoint trained by {from.Sidecar.Ranks ?? 1} rank(s) with {ranks.Size}: the data and the update are the same, but gradients are summed in another order, so the run continues close to, not bit for bit on, the trajectory it would have taken.");
        if (ranks.Size > 1)
            RunHandOff.Exchange(ranks, new RunHandOff(folder.Path, plan.Checkpoint?.Folder, null));

        var identity = RunIdentity.FromFolder(folder.Path, spec.Experiment.Name);
        using var export = MetricsExport.Start(settings.Metrics, identity, sink.Warning);
        using var target = export.PrometheusUrl is null ? null : PrometheusTargetFile.Write(options.RunsRoot, identity, export.Target!);
        sink.Started(new RunStarted(spec.Experiment.Name, Describe(composed), folder.Path, spec.Experiment.Training.Steps, experiment.StartedFrom,
            plan.Checkpoint is { } resumed ? (resumed.Folder, resumed.Sidecar.Step) : null, export.PrometheusUrl));

        var telemetry = new TrainingMetrics(composed.Host.Services.GetRequiredService<IMeterFactory>(), identity);
        var logger = composed.Logger("Forge.Training");
        LoopOutcome outcome;
        RunObservers observers;
        using (observers = new RunObservers(experiment, folder.Path, store, telemetry, new Reporter(sink), logger))
            outcome = composed.Loop.Run(experiment, observers.All, new DivergenceGuard(settings.Guard, store, logger), cancellationToken, plan.Checkpoint);

        var position = outcome.Position;
        var summary = Summary(composed, outcome, startedAt) with
        {
            Rounding = observers.Rounding?.Last,
            ResumedFrom = plan.Checkpoint?.Folder,
            Checkpoint = observers.Checkpoints.LastCheckpoint,
            CheckpointFailures = observers.Checkpoints.Failures,
            SkippedUpdates = position.SkippedUpdates,
            Rollbacks = position.Rollbacks,
            LossSpikes = position.LossSpikes,
            NonFiniteTensors = outcome.NonFiniteTensors,
            Reported = observers.Callbacks.Reported.Count > 0 ? observers.Callbacks.Reported : null,
        };
        await folder.WriteSummaryAsync(summary, CancellationToken.None);
        await WriteLossPlotAsync(folder, sink);
        sink.Finished(summary, Path.Combine(folder.Path, RunFolder.SummaryFile));
        RunHandOff.Finished(ranks);
        return summary;
    }

    /// <summary>
    /// A rank other than 0: waits for rank 0's run folder and checkpoint, then trains the same steps without writing
    /// anything (rank 0 owns the folder, the metrics, the Prometheus endpoint and the checkpoints; the divergence
    /// guard reads rank 0's checkpoints to roll back). Its summary is not written.
    /// </summary>
    private static RunSummary Follow(ComposedExperiment composed, CancellationToken cancellationToken)
    {
        var (spec, experiment, ranks) = (composed.Spec, composed.Experiment, composed.Environment.Collective);
        var startedAt = DateTimeOffset.UtcNow;
        var handOff = RunHandOff.Exchange(ranks, null);
        if (handOff.Error is not null)
            throw new RunSetupException($"rank 0 could not start the run: {handOff.Error}");
        using var checkpoint = handOff.Checkpoint is null ? null : CheckpointStore.Load(handOff.Checkpoint);
        var store = new CheckpointStore(handOff.Folder!, spec.Settings.Checkpoint);
        var logger = composed.Logger("Forge.Training");
        var outcome = composed.Loop.Run(experiment, new TrainingObservers(Array.Empty<ITrainingObserver>()),
            new DivergenceGuard(spec.Settings.Guard, store, logger), cancellationToken, checkpoint);
        RunHandOff.Finished(ranks); // wait for rank 0's checkpoint and summary: an early exit could end the job under it
        return Summary(composed, outcome, startedAt) with { ResumedFrom = handOff.Checkpoint };
    }

    /// <summary>What every rank's summary says: the outcome, its losses and the experiment.</summary>
    private static RunSummary Summary(ComposedExperiment composed, LoopOutcome outcome, DateTimeOffset startedAt)
    {
        var (spec, experiment, position) = (composed.Spec, composed.Experiment, outcome.Position);
        return new RunSummary
        {
            Name = spec.Experiment.Name,
            Status = outcome.Status,
            Error = outcome.Error,
            Steps = outcome.Steps,
            PlannedSteps = spec.Experiment.Training.Steps,
            InitialEvalLoss = position.InitialEvalLoss,
            FinalTrainLoss = position.LastTrainLoss,
            FinalEvalLoss = position.LastEvalLoss,
            BestEvalLoss = position.BestEvalLoss,
            BestEvalStep = position.BestEvalStep,
            InitialEvalAccuracy = position.InitialEvalAccuracy,
            FinalEvalAccuracy = position.LastEvalAccuracy,
            BestEvalAccuracy = position.BestEvalAccuracy,
            WallSeconds = (DateTimeOffset.UtcNow - startedAt).TotalSeconds,
            Parameters = experiment.ParameterCount,
            Device = composed.Environment.Device.ToString(),
            Seed = spec.Experiment.Seed,
            Overrides = spec.Overrides,
            StartedAt = startedAt,
            FinishedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>The one-line description of what trains: model and size, rule and precision, data, optimizer, steps, device.</summary>
    private static string Describe(ComposedExperiment composed)
    {
        var spec = composed.Spec;
        return string.Create(CultureInfo.InvariantCulture,
            $"{spec.Model.Plugin.Name} ({composed.Experiment.ParameterCount:N0} parameters, {spec.Parametrization.Plugin.Name}, {spec.Precision.Plugin.Name}) on {spec.Data.Plugin.Name} with {spec.Optimizer.Plugin.Name}, {spec.Experiment.Training.Steps} steps on {composed.Environment.Device.type.ToString().ToLowerInvariant()}");
    }

    /// <summary>A checkpoint for another model is the user's error, reported before anything is written.</summary>
    private static void CheckCompatible(LoadedCheckpoint checkpoint, Experiment experiment)
    {
        try
        {
            TrainingCheckpoint.CheckCompatible(checkpoint, experiment);
        }
        catch (InvalidDataException e)
        {
            throw new RunSetupException($"resume: {e.Message} Resume with the spec that wrote it, or set \"resume\": \"never\" to start afresh.", e);
        }
    }

    /// <summary>
    /// Makes the run folder ready: a continued run drops the metric lines after its checkpoint (they will be written
    /// again); a fresh run in a reused folder (a sweep trial run again) starts with empty metrics and no old
    /// checkpoints. Then a probe write checks that checkpoints can be written at all, and that the disk has room
    /// for two of them, before any training time is spent.
    /// </summary>
    private static void PrepareFolder(RunFolder folder, CheckpointStore checkpoints, ResumePlan plan, Experiment experiment)
    {
        int keepThrough = plan.ContinueIn is not null ? plan.Checkpoint!.Sidecar.Step : 0;
        folder.TruncateRecords(keepThrough);
        if (plan.ContinueIn is null && Directory.Exists(checkpoints.Root))
            Directory.Delete(checkpoints.Root, recursive: true);
        checkpoints.RemoveLeftovers();
        if (!checkpoints.Enabled)
            return;
        long bytes = experiment.Parameters.Sum(p => p.Value.numel() * p.Value.ElementSize) * 3; // weights and (about) two moments
        if (experiment.Spec.Experiment.Training.Sync is not null)
            bytes *= experiment.Environment.Collective.Size; // every rank's own (SyncState)
        try
        {
            Directory.CreateDirectory(checkpoints.Root);
            var probe = Path.Combine(checkpoints.Root, ".probe");
            using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write))
            {
                stream.Write(new byte[4096]);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(probe);
            long free = new DriveInfo(Path.GetPathRoot(checkpoints.Root) ?? "/").AvailableFreeSpace;
            if (free < 2 * bytes)
                throw new IOException($"only {free / 1e6:F0} MB free, and two checkpoints need about {2 * bytes / 1e6:F0} MB");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunSetupException($"cannot write checkpoints into {checkpoints.Root} ({e.Message}). Free some space, choose another folder with --runs, or set \"checkpoint\": \"none\".", e);
        }
    }

    /// <summary>loss.png and loss.svg in the run folder (what <c>forge plot</c> draws); a failure to draw is reported, never fatal.</summary>
    private static async Task WriteLossPlotAsync(RunFolder folder, IRunSink sink)
    {
        try
        {
            var curves = await RunCurves.ReadAsync(folder.Path, CancellationToken.None);
            if (curves.Train.Count + curves.Eval.Count > 0)
                LossPlot.Write(new[] { curves }, Path.Combine(folder.Path, "loss"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            sink.Warning($"could not draw {Path.Combine(folder.Path, "loss.png")}: {e.Message}");
        }
    }

    private sealed class Reporter(IRunSink sink) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value) => sink.Progress(value);
    }
}
