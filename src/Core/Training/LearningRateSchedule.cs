using Forge.Core.Specs;

namespace Forge.Core.Training;

/// <summary>
/// The factor on every parameter group's initial learning rate at each update: linear warmup from 1/warmup to 1,
/// then constant, linear or cosine decay to <c>minLrRatio</c> at the last update. Because it multiplies each
/// group's own initial rate, the parametrization's per-tensor ratios are kept.
/// </summary>
public sealed class LearningRateSchedule(ScheduleOptions options, int totalSteps)
{
    /// <summary>The factor for update <paramref name="step"/> (0-based).</summary>
    public double Factor(int step)
    {
        int warmup = options.WarmupSteps;
        if (step < warmup)
            return (step + 1.0) / warmup;
        int decaySteps = totalSteps - warmup;
        double progress = decaySteps <= 1 ? 1.0 : Math.Clamp((step - warmup) / (decaySteps - 1.0), 0.0, 1.0);
        double min = options.MinLrRatio;
        return options.Decay switch
        {
            DecayKind.Constant => 1.0,
            DecayKind.Linear => 1.0 - (1.0 - min) * progress,
            DecayKind.Cosine => min + (1.0 - min) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Decay, null),
        };
    }
}
