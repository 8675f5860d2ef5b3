namespace Forge.Core.Training;

/// <summary>The median of a list of numbers (the mean of the middle two for an even count).</summary>
public static class Median
{
    public static double Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0)
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
