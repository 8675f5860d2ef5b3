using System.Diagnostics.Metrics;
using Forge.Host.Cli;
using Forge.Host.Telemetry;
using Forge.Host.Training;
using Microsoft.Extensions.DependencyInjection;

namespace Forge.Host.Benchmarks;

/// <summary>Times Forge's training step as a user runs it: the whole <see cref="Trainer"/> loop with its metrics file, OpenTelemetry instruments and progress.</summary>
internal static class StepTiming
{
    /// <summary>
    /// Trains <paramref name="built"/> once (its spec must log every step) and returns the seconds of every step but the
    /// first and the last, which hold the evaluations.
    /// </summary>
    public static IReadOnlyList<double> Forge(ComposedExperiment built)
    {
        var seconds = Train(built).InnerStepSeconds();
        int steps = built.Spec.Spec.Training.Steps;
        if (seconds.Count != steps - 2)
            throw new InvalidOperationException($"expected {steps - 2} timed steps, got {seconds.Count}: the benchmark spec must log every step.");
        return seconds;
    }

    /// <summary>Trains <paramref name="built"/> once, as <c>forge run</c> does, noting when each progress report arrives.</summary>
    public static ProgressTimestamps Train(ComposedExperiment built)
    {
        var path = Path.GetTempFileName();
        try
        {
            var timestamps = new ProgressTimestamps();
            var telemetry = new TrainingMetrics(built.Host.Services.GetRequiredService<IMeterFactory>(), RunIdentity.Detached("bench"));
            TrainingResult result;
            using (var metrics = new MetricsWriter(path))
                result = built.Trainer.Train(built.Experiment, metrics, timestamps, CancellationToken.None, telemetry);
            if (result.Status != RunStatus.Completed)
                throw new InvalidOperationException($"the benchmark's training run ended {result.Status}: {result.Error}");
            return timestamps;
        }
        finally
        {
            File.Delete(path); // no layers.jsonl beside it: the benchmark's specs leave per-layer diagnostics off
        }
    }

    /// <summary>Steps per timed block so that a block lasts about <paramref name="targetSeconds"/>, given an estimate of one step.</summary>
    public static int StepsFor(double secondsPerStep, double targetSeconds, int minimum, int maximum) =>
        Math.Clamp((int)Math.Ceiling(targetSeconds / Math.Max(secondsPerStep, 1e-6)), minimum, maximum);
}
