using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Forge.Core.Runs;
using Forge.Core.Telemetry;
using Forge.Core.Training;
using Forge.Core.Checkpoints;
using Forge.Core.Hosting;
using Forge.Core.Specs;

namespace Forge.Bench;

/// <summary>Times Forge's training step as a user runs it: the whole <see cref="TrainingLoop"/> with its metrics file, OpenTelemetry instruments and progress.</summary>
public static class StepTiming
{
    /// <summary>
    /// Trains <paramref name="built"/> once (its spec must log every step) and returns the seconds of every step but the
    /// first and the last, which hold the evaluations.
    /// </summary>
    public static IReadOnlyList<double> Forge(ComposedExperiment built)
    {
        var seconds = Train(built).InnerStepSeconds();
        int steps = built.Spec.Experiment.Training.Steps;
        if (seconds.Count != steps - 2)
            throw new InvalidOperationException($"expected {steps - 2} timed steps, got {seconds.Count}: the benchmark spec must log every step.");
        return seconds;
    }

    /// <summary>
    /// Trains <paramref name="built"/> once with the observers <c>forge run</c> gives a run (metrics.jsonl into a
    /// temporary folder, telemetry, progress), noting when each progress report arrives.
    /// </summary>
    public static ProgressTimestamps Train(ComposedExperiment built)
    {
        var folder = Directory.CreateTempSubdirectory("forge-bench-run-").FullName;
        try
        {
            var timestamps = new ProgressTimestamps();
            var telemetry = new TrainingMetrics(built.Host.Services.GetRequiredService<IMeterFactory>(), RunIdentity.Detached("bench"));
            var logger = built.Logger("Forge.Bench");
            var store = new CheckpointStore(folder, new CheckpointOptions { Enabled = false });
            LoopOutcome outcome;
            using (var observers = new RunObservers(built.Experiment, folder, store, telemetry, timestamps, logger))
                outcome = built.Loop.Run(built.Experiment, observers.All, new DivergenceGuard(built.Spec.Settings.Guard, null, logger), CancellationToken.None);
            if (outcome.Status != RunStatus.Completed)
                throw new InvalidOperationException($"the benchmark's training run ended {outcome.Status}: {outcome.Error}");
            return timestamps;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Steps per timed block so that a block lasts about <paramref name="targetSeconds"/>, given an estimate of one step.</summary>
    public static int StepsFor(double secondsPerStep, double targetSeconds, int minimum, int maximum) =>
        Math.Clamp((int)Math.Ceiling(targetSeconds / Math.Max(secondsPerStep, 1e-6)), minimum, maximum);
}
