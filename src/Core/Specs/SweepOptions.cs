using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Forge.Core.Specs;

/// <summary>How trials are chosen from the parameter ranges.</summary>
public enum SweepMethod
{
    /// <summary>Every combination of every parameter's values, in the order the parameters are written.</summary>
    Grid,
    /// <summary><c>trials</c> independent draws: a random value from each list, log-uniform within each log2 range.</summary>
    Random,

    /// <summary>
    /// u-μP's independent search, stage by stage: the learning rate alone (every other parameter at the spec's value),
    /// then each other parameter alone at the best learning rate, then the best value of each together, then that
    /// combination again at the next seed (the confirmation).
    /// </summary>
    Independent,

    /// <summary>
    /// Asynchronous successive halving (ASHA, Li et al. 2020) over the grid: every configuration starts with
    /// <c>halving.minSteps</c> updates; one in the top 1/η of the trials that finished a rung trains on to the next
    /// rung (η times as many updates), continuing from its checkpoint; the rest stop there.
    /// </summary>
    Halving,
}

/// <summary>The <c>sweep.halving</c> section: the rungs of successive halving.</summary>
public sealed class HalvingOptions
{
    [Description("Updates of the first rung (r): rungs are r, r·eta, r·eta², … and training.steps, the last; every trial's schedule spans training.steps, so a rung's metric is read partway through it.")]
    [Range(1, int.MaxValue)]
    public int MinSteps { get; set; } = 100;

    [Description("The reduction factor η: the top 1/η of a rung's trials are promoted, each to η times the updates.")]
    [Range(2, 100)]
    public int Eta { get; set; } = 3;

    /// <summary>The rungs' step counts for a run of <paramref name="totalSteps"/> updates: minSteps·η^k below it, then totalSteps.</summary>
    public IReadOnlyList<int> Rungs(int totalSteps)
    {
        var rungs = new List<int>();
        for (long steps = MinSteps; steps < totalSteps; steps *= Eta)
            rungs.Add((int)steps);
        rungs.Add(totalSteps);
        return rungs;
    }
}

/// <summary>The metric trials are compared by: losses, lower is better; classification accuracies, higher is better.</summary>
public enum SweepMetric
{
    FinalEvalLoss,
    BestEvalLoss,
    FinalTrainLoss,
    MeanTrainLoss,

    /// <summary>Classification: top-1 accuracy on the held-out batches at the last evaluation (higher is better).</summary>
    FinalEvalAccuracy,

    /// <summary>Classification: the best held-out top-1 accuracy of any evaluation (higher is better).</summary>
    BestEvalAccuracy,
}

/// <summary>Which way a <see cref="SweepMetric"/> improves.</summary>
public static class SweepMetrics
{
    /// <summary>Whether a larger value of <paramref name="metric"/> is better (the accuracies).</summary>
    public static bool HigherIsBetter(this SweepMetric metric) => metric is SweepMetric.FinalEvalAccuracy or SweepMetric.BestEvalAccuracy;
}

/// <summary>How the learning rate follows the batch size when a trial changes <c>training.batchSize</c>.</summary>
public enum TemperatureRule
{
    /// <summary>The learning rate is left as it is.</summary>
    None,
    /// <summary>lr ∝ batch size, so lr / B (SGD's "temperature", Smith &amp; Le 2018; Goyal et al. 2017's linear scaling rule) stays fixed.</summary>
    Linear,
    /// <summary>lr ∝ √(batch size), the square-root rule for Adam-family optimizers (Malladi et al. 2022).</summary>
    Sqrt,
}

/// <summary>One swept spec path: a list of values, or a log2 grid / range.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed class SweepParameter : IValidatableObject
{
    [Description("The values to try (any JSON values).")]
    public JsonArray? Values { get; set; }

    [Description("Lowest log2 of the value (with log2Max): a grid of 2^k in steps of log2Step, or a log-uniform range for random search.")]
    public double? Log2Min { get; set; }

    [Description("Highest log2 of the value.")]
    public double? Log2Max { get; set; }

    [Description("Grid spacing in log2 units (1 = octaves).")]
    [Range(0.0, double.MaxValue, MinimumIsExclusive = true)]
    public double Log2Step { get; set; } = 1.0;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        bool hasRange = Log2Min is not null || Log2Max is not null;
        if (Values is null == !hasRange)
            yield return new ValidationResult("give either values [...] or log2Min and log2Max.", new[] { nameof(Values) });
        else if (hasRange && (Log2Min is null || Log2Max is null || Log2Min > Log2Max))
            yield return new ValidationResult("needs log2Min <= log2Max.", new[] { nameof(Log2Min) });
        else if (Values is { Count: 0 })
            yield return new ValidationResult("needs at least one value.", new[] { nameof(Values) });
        else if (Log2Step <= 0)
            yield return new ValidationResult("needs log2Step > 0.", new[] { nameof(Log2Step) });
    }
}

/// <summary>Scales the learning rate with the batch size (see <see cref="TemperatureRule"/>).</summary>
public sealed class TemperatureOptions
{
    [Description("none, linear (lr/B fixed; SGD) or sqrt (lr/sqrt(B) fixed; Adam).")]
    public TemperatureRule Rule { get; set; } = TemperatureRule.None;

    [Description("The batch size at which optimizer.lr is the learning rate (and training.steps the step count).")]
    [Range(1, int.MaxValue)]
    public int ReferenceBatchSize { get; set; } = 32;

    [Description("Also scale training.steps by referenceBatchSize / batchSize, so every trial sees the same number of samples.")]
    public bool KeepSamples { get; set; }
}

/// <summary>The <c>sweep</c> section: which spec paths to vary, how, and how to compare trials. Ignored by <c>forge run</c>.</summary>
public sealed class SweepOptions : IValidatableObject
{
    [Description("grid, random, independent (u-μP's stage-by-stage search: learning rate, then each other parameter at the best one, then their best values together, then a confirmation at the next seed) or halving (asynchronous successive halving over the grid: see halving).")]
    public SweepMethod Method { get; set; } = SweepMethod.Grid;

    [Description("Spec paths to vary, e.g. \"optimizer.lr\": { \"log2Min\": -12, \"log2Max\": -4 }, \"model.width\": { \"values\": [64, 128] }.")]
    public Dictionary<string, SweepParameter> Parameters { get; set; } = new();

    [Description("Number of trials for random search.")]
    [Range(1, 100000)]
    public int Trials { get; set; } = 10;

    [Description("Successive halving's rungs (method halving).")]
    public HalvingOptions Halving { get; set; } = new();

    [Description("Budget: at most this many trials (configurations, for halving); 0 = no limit. Trials beyond it are not run.")]
    [Range(0, int.MaxValue)]
    public int MaxTrials { get; set; }

    [Description("Budget: at most this many updates in all, summed over the trials (a trial counts all the updates it is given); 0 = no limit. A trial, a stage's trial or a halving promotion that does not fit is not run.")]
    [Range(0, long.MaxValue)]
    public long MaxSteps { get; set; }

    [Description("Seed of the random search's draws.")]
    public long Seed { get; set; }

    [Description("How trials are compared (lower is better).")]
    public SweepMetric Metric { get; set; } = SweepMetric.MeanTrainLoss;

    [Description("meanTrainLoss averages the logged training loss over the last this many steps.")]
    [Range(1, int.MaxValue)]
    public int LastSteps { get; set; } = 50;

    [Description("Learning rate follows batch size.")]
    public TemperatureOptions Temperature { get; set; } = new();

    [Description("Where trials run: local (processes on this machine), slurm (one job array) or kubernetes (an Indexed Job manifest to apply); forge sweep --launcher overrides.")]
    public LauncherKind Launcher { get; set; } = LauncherKind.Local;

    [Description("Resources of each Slurm array task (launcher slurm).")]
    public SlurmOptions Slurm { get; set; } = new();

    [Description("The Indexed Job's pods (launcher kubernetes: Forge writes the manifest, you apply it).")]
    public KubernetesOptions Kubernetes { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Launcher == LauncherKind.Kubernetes && (Kubernetes.Image is null || Kubernetes.VolumeClaim is null))
            yield return new ValidationResult("launcher kubernetes needs kubernetes.image (a container image with Forge) and kubernetes.volumeClaim (the PersistentVolumeClaim that holds the runs folder).", new[] { nameof(Kubernetes) });
        if (Parameters.Count == 0)
            yield return new ValidationResult("name at least one spec path to vary, e.g. \"optimizer.lr\": { \"log2Min\": -12, \"log2Max\": -4 }.", new[] { nameof(Parameters) });
        foreach (var (path, parameter) in Parameters)
            foreach (var problem in parameter.Validate(validationContext))
                yield return new ValidationResult($"{path}: {problem.ErrorMessage}", new[] { nameof(Parameters) });
        if (Method == SweepMethod.Independent)
        {
            if (!Parameters.ContainsKey("optimizer.lr"))
                yield return new ValidationResult("method independent starts with the learning rate alone: add \"optimizer.lr\": { \"log2Min\": ..., \"log2Max\": ... } to the parameters.", new[] { nameof(Parameters) });
            if (Parameters.ContainsKey("seed"))
                yield return new ValidationResult("method independent confirms its result at the next seed, so it does not sweep seed; remove it from the parameters.", new[] { nameof(Parameters) });
            if (Temperature.Rule != TemperatureRule.None || Parameters.ContainsKey("sweep.temperature.rule"))
                yield return new ValidationResult("method independent does not take a temperature rule (its stages hold the batch size as the spec gives it); set temperature.rule to none, or use grid.", new[] { nameof(Temperature) });
            if (Launcher == LauncherKind.Kubernetes)
                yield return new ValidationResult("method independent chooses each stage's trials from the last stage's results, which Forge cannot see while a Kubernetes job runs; use the local or slurm launcher.", new[] { nameof(Launcher) });
        }
        if (Method == SweepMethod.Halving && Launcher == LauncherKind.Kubernetes)
            yield return new ValidationResult("method halving promotes trials as the results of others come in, which Forge cannot see while a Kubernetes job runs; use the local or slurm launcher.", new[] { nameof(Launcher) });
    }
}
