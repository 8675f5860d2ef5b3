namespace Forge.Core.Diagnostics;

/// <summary>How one module's size depends on width at one step.</summary>
/// <param name="Module">The module's name in the model.</param>
/// <param name="Step">1 = at initialisation.</param>
/// <param name="Slope">Least-squares slope of log2(mean |output|) against log2(width).</param>
/// <param name="ChangePer4x">2^(2·slope): the fitted factor by which the size changes when width grows 4x.</param>
/// <param name="Spread">Largest over smallest mean |output| across widths.</param>
/// <param name="Passed">Whether the change per 4x lies within [1/tolerance, tolerance] (or the output is exactly 0 at every width; or, for the readout at initialisation, at most tolerance).</param>
public sealed record ModuleVerdict(string Module, int Step, double Slope, double ChangePer4x, double Spread, bool Passed);

/// <summary>
/// The pass criterion of the coordinate check, after mup's CoordCheckCase: between widths 4x apart a module's
/// mean |output| may change by at most the tolerance factor (1.2 = ±20 %) at every step. The change per 4x is
/// read off a least-squares fit over all widths, so any list of widths works. One exception: at initialisation
/// (step 1) the readout may shrink with width. μP's readout starts at O(1/√width) unless zero-initialised (TP5
/// Table 3, readout init variance 1/n²; u-μP's unit init with a 1/fan_in multiplier), and the logits only become
/// width-independent once the readout has been trained; they must never grow.
/// </summary>
public static class CoordinateCheckVerdict
{
    public static IReadOnlyList<ModuleVerdict> Judge(IReadOnlyList<CoordinateSample> samples, double tolerance)
    {
        var verdicts = new List<ModuleVerdict>();
        var modules = samples.Select(s => s.Module).Distinct().ToList(); // in forward order
        foreach (var module in modules)
        foreach (var step in samples.Select(s => s.Step).Distinct().Order())
        {
            var points = samples.Where(s => s.Module == module && s.Step == step)
                .GroupBy(s => s.Width)
                .Select(g => (Width: (double)g.Key, Size: g.Average(s => s.MeanAbs)))
                .OrderBy(p => p.Width)
                .ToList();
            if (points.Count < 2)
                continue;
            if (points.All(p => p.Size == 0))
            {
                verdicts.Add(new ModuleVerdict(module, step, 0, 1, 1, true));
                continue;
            }
            if (points.Any(p => p.Size == 0 || !double.IsFinite(p.Size)))
            {
                verdicts.Add(new ModuleVerdict(module, step, double.NaN, double.NaN, double.PositiveInfinity, false));
                continue;
            }
            double slope = Slope(points.Select(p => Math.Log2(p.Width)).ToArray(), points.Select(p => Math.Log2(p.Size)).ToArray());
            double change = Math.Pow(2, 2 * slope);
            double spread = points.Max(p => p.Size) / points.Min(p => p.Size);
            bool mayShrink = step == 1 && samples.Any(s => s.Module == module && s.IsReadout);
            verdicts.Add(new ModuleVerdict(module, step, slope, change, spread, change <= tolerance && (mayShrink || change >= 1 / tolerance)));
        }
        return verdicts;
    }

    private static double Slope(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        double sxx = x.Sum(v => (v - mx) * (v - mx));
        return sxy / sxx;
    }
}
