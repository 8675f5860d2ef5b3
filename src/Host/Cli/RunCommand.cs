using System.Globalization;
using Forge.Host.Checkpoints;
using Forge.Host.Console;
using Forge.Host.Specs;
using Forge.Host.Telemetry;
using Forge.Host.Training;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using System.Diagnostics.Metrics;
using TorchSharp;

namespace Forge.Host.Cli;

/// <summary><c>forge run SPEC</c>: validate, compose the plugins, train, and leave a run folder with the spec, metrics and summary.</summary>
internal sealed class RunCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, string runsRoot, bool plain, bool verbose, CancellationToken cancellationToken,
        string? exactRunFolder = null) =>
        GuardAsync(async () =>
        {
            using var composed = await ComposeAsync(specPath, overrides, verbose, cancellationToken);
            var (spec, environment, experiment) = (composed.Spec, composed.Environment, composed.Experiment);

            var startedAt = DateTimeOffset.UtcNow;
            using var plan = ResumePlan.Resolve(spec, runsRoot, exactRunFolder, message => Error.WriteLine($"warning: {message}"));
            if (plan.Checkpoint is not null)
                CheckCompatible(plan.Checkpoint, experiment);
            var folder = plan.ContinueIn is not null ? RunFolder.Open(plan.ContinueIn)
                : exactRunFolder is null ? await RunFolder.CreateAsync(runsRoot, spec, startedAt, cancellationToken)
                : await RunFolder.CreateAtAsync(exactRunFolder, spec, cancellationToken);
            var checkpoints = new CheckpointStore(folder.Path, spec.Spec.Checkpoint);
            PrepareFolder(folder, checkpoints, plan, experiment);
            await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Spec.Name}: {spec.Model.Plugin.Name} ({experiment.ParameterCount:N0} parameters, {spec.Parametrization.Plugin.Name}, {spec.Precision.Plugin.Name}) on {spec.Data.Plugin.Name} with {spec.Optimizer.Plugin.Name}, {spec.Spec.Training.Steps} steps on {environment.Device.type.ToString().ToLowerInvariant()}"));
            await Output.WriteLineAsync($"run folder: {folder.Path}");
            if (experiment.StartedFrom is { } startedFrom && plan.Checkpoint is null)
                await Output.WriteLineAsync(startedFrom.Describe());
            if (plan.Checkpoint is not null)
                await Output.WriteLineAsync($"resuming from {plan.Checkpoint.Folder} (step {plan.Checkpoint.Sidecar.Step} of {spec.Spec.Training.Steps})");

            var identity = RunIdentity.FromFolder(folder.Path, spec.Spec.Name);
            using var export = MetricsExport.Start(spec.Spec.Metrics, identity);
            if (export.PrometheusUrl is not null)
                await Output.WriteLineAsync($"metrics: {export.PrometheusUrl}");
            using var target = export.PrometheusUrl is null ? null : PrometheusTargetFile.Write(runsRoot, identity, new Uri(export.PrometheusUrl));
            var telemetry = new TrainingMetrics(composed.Host.Services.GetRequiredService<IMeterFactory>(), identity);
            var trainer = composed.Trainer;
            TrainingResult result;
            using (var metrics = new MetricsWriter(folder.MetricsPath))
                result = Display(plain).Run(spec.Spec.Training.Steps, progress =>
                    trainer.Train(experiment, metrics, progress, cancellationToken, telemetry, checkpoints.Enabled ? checkpoints : null, plan.Checkpoint));

            var position = result.Position;
            var summary = new RunSummary
            {
                Name = spec.Spec.Name,
                Status = result.Status,
                Error = result.Error,
                Steps = result.Steps,
                PlannedSteps = spec.Spec.Training.Steps,
                InitialEvalLoss = position.InitialEvalLoss,
                FinalTrainLoss = position.LastTrainLoss,
                FinalEvalLoss = position.LastEvalLoss,
                BestEvalLoss = position.BestEvalLoss,
                BestEvalStep = position.BestEvalStep,
                WallSeconds = (DateTimeOffset.UtcNow - startedAt).TotalSeconds,
                Parameters = experiment.ParameterCount,
                Device = environment.Device.ToString(),
                Seed = spec.Spec.Seed,
                Overrides = spec.Overrides,
                StartedAt = startedAt,
                FinishedAt = DateTimeOffset.UtcNow,
                Rounding = result.Rounding,
                ResumedFrom = plan.Checkpoint?.Folder,
                Checkpoint = result.LastCheckpoint,
                CheckpointFailures = result.CheckpointFailures,
                SkippedUpdates = position.SkippedUpdates,
                Rollbacks = position.Rollbacks,
                LossSpikes = position.LossSpikes,
                NonFiniteTensors = result.NonFiniteTensors,
            };
            await folder.WriteSummaryAsync(summary, CancellationToken.None);
            await WriteLossPlotAsync(folder);
            await Report(summary, folder);
            return summary.Status switch
            {
                RunStatus.Completed => ExitCodes.Success,
                RunStatus.Interrupted => ExitCodes.Interrupted,
                _ => ExitCodes.Failed,
            };
        }, verbose);

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

    private IProgressDisplay Display(bool plain) =>
        ConsoleMode.IsLive(plain, interactiveConsole: true)
            ? new SpectreProgressDisplay(AnsiConsole.Console)
            : new PlainProgressDisplay(Output);

    private async Task Report(RunSummary summary, RunFolder folder)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{summary.Status.ToString().ToLowerInvariant()} after {summary.Steps} steps in {summary.WallSeconds:F1} s: eval loss {Format(summary.InitialEvalLoss)} before training, {Format(summary.FinalEvalLoss)} after, best {Format(summary.BestEvalLoss)} at step {summary.BestEvalStep?.ToString(CultureInfo.InvariantCulture) ?? "-"}; summary in {Path.Combine(folder.Path, RunFolder.SummaryFile)}");
        if (summary.Rounding is { } rounding)
            await Output.WriteLineAsync($"{summary.Name}: {rounding.Describe()}");
        if (summary.Status == RunStatus.Completed)
            await Output.WriteLineAsync(text);
        else
            await Error.WriteLineAsync($"error: {text}. {summary.Error}");
    }

    /// <summary>loss.png and loss.svg in the run folder (what <c>forge plot</c> draws); a failure to draw is reported, never fatal.</summary>
    private async Task WriteLossPlotAsync(RunFolder folder)
    {
        try
        {
            var curves = await Forge.Host.Plots.RunCurves.ReadAsync(folder.Path, CancellationToken.None);
            if (curves.Train.Count + curves.Eval.Count > 0)
                Forge.Host.Plots.LossPlot.Write(new[] { curves }, Path.Combine(folder.Path, "loss"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Error.WriteLineAsync($"warning: could not draw {Path.Combine(folder.Path, "loss.png")}: {e.Message}");
        }
    }

    private static string Format(double? value) => value?.ToString("F4", CultureInfo.InvariantCulture) ?? "-";
}

/// <summary>Process-wide settings a run needs before any plugin is created: device, threads.</summary>
internal static class RunPreparation
{
    /// <summary>libtorch's thread count before Forge changed it (a process may prepare several runs: tests, the benchmark).</summary>
    private static readonly Lazy<int> LibtorchThreads = new(torch.get_num_threads);

    public static RunEnvironment Prepare(ResolvedSpec spec)
    {
        var device = DeviceSelector.Select(spec.Spec.Device, spec.SpecPath);
        torch.set_num_threads(ThreadCount.For(spec.Spec.Threads, LibtorchThreads.Value, Environment.ProcessorCount));
        return new RunEnvironment(spec.Spec.Seed, device, spec.SpecDirectory);
    }
}
