using Forge.Host.Specs;

namespace Forge.Host.Training;

/// <summary>
/// Loss-spike detection: a logged loss above <see cref="GuardOptions.SpikeRatio"/> times the median of the previous
/// <see cref="GuardOptions.SpikeWindow"/> logged losses (at least three) is a spike. It is reported, not acted on.
/// </summary>
internal static class LossSpike
{
    /// <summary>Compares <paramref name="loss"/> with the window in <paramref name="position"/>, then adds it to the window.</summary>
    public static bool Observe(TrainingPosition position, double loss, GuardOptions guard)
    {
        var window = position.RecentLosses;
        bool spike = false;
        if (guard.SpikeRatio > 0 && window.Count >= 3)
        {
            spike = loss > guard.SpikeRatio * Median.Of(window);
        }
        if (spike)
            position.LossSpikes++;
        window.Add(loss);
        if (window.Count > guard.SpikeWindow)
            window.RemoveRange(0, window.Count - guard.SpikeWindow);
        return spike;
    }
}
