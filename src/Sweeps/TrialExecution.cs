using Forge.Core.Composition;
using Microsoft.Extensions.Logging;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Runs;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Sweeps;

/// <summary>
/// Runs one sweep trial in this process, exactly as <c>forge run</c> would run its spec with the trial's overrides
/// (<see cref="TrainingRun"/>), its output, warnings, log messages and errors going to the trial's <c>log.txt</c>.
/// Every launcher's trials come here: a reused worker's, the <c>forge trial run</c> entry point's.
/// </summary>
public static class TrialExecution
{
    /// <summary>Runs <paramref name="request"/>; <paramref name="onOutput"/> sees each output line (progress).</summary>
    public static async Task<TrialOutcome> RunAsync(TrialRequest request, Action<string> onOutput, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.RunFolder);
        int rank = Forge.Core.Distributed.Collectives.LaunchedRank(); // in a data-parallel trial every rank logs, each to its own file
        using var log = new TrialLog(Path.Combine(request.RunFolder, rank == 0 ? "log.txt" : $"log-rank{rank}.txt"), onOutput);
        try
        {
            var catalog = PluginCatalog.BuiltIn();
            var spec = await new SpecLoader(catalog).LoadAsync(request.SpecPath, request.Overrides, cancellationToken);
            spec.Settings.Threads = request.Threads;
            spec.Settings.Metrics.Prometheus.Port = 0;
            if (spec.Settings.Metrics.Exporters.Remove(MetricsExporter.Console))
                log.Error("warning: metrics.exporters 'console' is off in sweep trials: it writes to the process's standard output, " +
                          "which a reused worker uses to talk to the sweep; every value is in the trial's metrics.jsonl (or use prometheus or otlp).");
            var sink = new LogSink(log);
            var summary = await TrainingRun.ExecuteAsync(spec, new RunOptions(request.RunsRoot, request.RunFolder, logging => logging.AddProvider(new TrialLogging(log)), catalog),
                sink, cancellationToken);
            return new TrialOutcome(summary.ExitCode, sink.Error);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (exitCode, message) = ErrorReport.Describe(e);
            log.Error($"error: {ErrorReport.Describe(e, verbose: true).Message}"); // the log keeps an unexpected failure's stack trace
            return new TrialOutcome(exitCode, message);
        }
    }

    /// <summary>The trial's run as <c>forge run --plain</c> shows it, into its log.</summary>
    private sealed class LogSink(TrialLog log) : IRunSink
    {
        /// <summary>The error line's message, when the run did not complete.</summary>
        public string? Error { get; private set; }

        public void Joined(int rank, int ranks, string description) => log.Output($"rank {rank} of {ranks} ({description})");

        public void Started(RunStarted run)
        {
            foreach (var line in run.Lines())
                log.Output(line);
        }

        public void Progress(ProgressUpdate update) => log.Output(update.Line);

        public void Warning(string message) => log.Error($"warning: {message}");

        public void Finished(RunSummary summary, string summaryPath)
        {
            var ending = RunEnding.Of(summary, summaryPath);
            foreach (var line in ending.Output)
                log.Output(line);
            Error = ending.Error;
            if (Error is not null)
                log.Error($"error: {Error}");
        }
    }
}
