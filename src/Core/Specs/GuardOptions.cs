using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

/// <summary>What the trainer does when the loss or a gradient is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Stop, and write the summary with the step and the offending tensors.</summary>
    Stop,
    /// <summary>Skip that update (no optimizer step) and count it.</summary>
    Skip,
    /// <summary>Reload the last checkpoint, lower the learning rate, and go on.</summary>
    Rollback,
}

/// <summary>The spec's <c>guard</c> section: divergence handling and loss-spike detection.</summary>
public sealed class GuardOptions
{
    [Description("On a NaN/Inf loss or gradient: stop (checked at logged steps, no per-step sync), skip or rollback (both check every step).")]
    public NonFinitePolicy OnNonFinite { get; set; } = NonFinitePolicy.Stop;

    [Description("skip: stop after this many skipped updates in a row.")]
    [Range(1, int.MaxValue)]
    public int MaxConsecutiveSkips { get; set; } = 10;

    [Description("rollback: multiply every learning rate by this after each rollback.")]
    [Range(1e-6, 1.0)]
    public double RollbackLrFactor { get; set; } = 0.5;

    [Description("rollback: stop after this many rollbacks.")]
    [Range(1, int.MaxValue)]
    public int MaxRollbacks { get; set; } = 3;

    [Description("Report a loss spike when a logged loss exceeds this multiple of the median of the previous logged losses; 0 = off.")]
    [Range(0.0, double.MaxValue)]
    public double SpikeRatio { get; set; } = 2.0;

    [Description("How many previous logged losses the spike median looks at.")]
    [Range(3, 10_000)]
    public int SpikeWindow { get; set; } = 20;
}
