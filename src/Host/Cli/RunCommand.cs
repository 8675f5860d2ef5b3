using System.Globalization;
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
            var folder = exactRunFolder is null
                ? await RunFolder.CreateAsync(runsRoot, spec, startedAt, cancellationToken)
                : await RunFolder.CreateAtAsync(exactRunFolder, spec, cancellationToken);
            await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Spec.Name}: {spec.Model.Plugin.Name} ({experiment.ParameterCount:N0} parameters, {spec.Parametrization.Plugin.Name}, {spec.Precision.Plugin.Name}) on {spec.Data.Plugin.Name} with {spec.Optimizer.Plugin.Name}, {spec.Spec.Training.Steps} steps on {environment.Device.type.ToString().ToLowerInvariant()}"));
            await Output.WriteLineAsync($"run folder: {folder.Path}");

            var identity = RunIdentity.FromFolder(folder.Path, spec.Spec.Name);
            using var export = MetricsExport.Start(spec.Spec.Metrics, identity);
            if (export.PrometheusUrl is not null)
                await Output.WriteLineAsync($"metrics: {export.PrometheusUrl}");
            using var target = export.PrometheusUrl is null ? null : PrometheusTargetFile.Write(runsRoot, identity, new Uri(export.PrometheusUrl));
            var telemetry = new TrainingMetrics(composed.Host.Services.GetRequiredService<IMeterFactory>(), identity);
            var trainer = composed.Host.Services.GetRequiredService<Trainer>();
            TrainingResult result;
            using (var metrics = new MetricsWriter(folder.MetricsPath))
                result = Display(plain).Run(spec.Spec.Training.Steps, progress => trainer.Train(experiment, metrics, progress, cancellationToken, telemetry));

            var summary = new RunSummary
            {
                Name = spec.Spec.Name,
                Status = result.Status,
                Error = result.Error,
                Steps = result.Steps,
                PlannedSteps = spec.Spec.Training.Steps,
                InitialEvalLoss = result.InitialEvalLoss,
                FinalTrainLoss = result.FinalTrainLoss,
                FinalEvalLoss = result.FinalEvalLoss,
                BestEvalLoss = result.BestEvalLoss,
                BestEvalStep = result.BestEvalStep,
                WallSeconds = (DateTimeOffset.UtcNow - startedAt).TotalSeconds,
                Parameters = experiment.ParameterCount,
                Device = environment.Device.ToString(),
                Seed = spec.Spec.Seed,
                Overrides = spec.Overrides,
                StartedAt = startedAt,
                FinishedAt = DateTimeOffset.UtcNow,
                Rounding = result.Rounding,
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
    public static RunEnvironment Prepare(ResolvedSpec spec)
    {
        var device = DeviceSelector.Select(spec.Spec.Device, spec.SpecPath);
        if (spec.Spec.Threads > 0)
            torch.set_num_threads(spec.Spec.Threads);
        return new RunEnvironment(spec.Spec.Seed, device, spec.SpecDirectory);
    }
}
