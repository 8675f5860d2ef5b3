using System.Globalization;

namespace Forge.Core.Diagnostics;

/// <summary>A coordinate check's files: <c>coord-check.csv</c> (every sample), <c>verdicts.csv</c> (every module at every step) and one PNG per step.</summary>
public static class CoordinateCheckReport
{
    public static async Task WriteAsync(string folder, IReadOnlyList<CoordinateSample> samples, IReadOnlyList<ModuleVerdict> verdicts, Action<string> warn,
        CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(folder, "coord-check.csv"), SamplesCsv(samples), cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder, "verdicts.csv"), VerdictsCsv(verdicts), cancellationToken);
        try
        {
            CoordinateCheckPlots.Write(samples, folder);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            warn($"could not draw the plots ({e.Message}); the CSV files are complete.");
        }
    }

    private static string SamplesCsv(IReadOnlyList<CoordinateSample> samples) =>
        "width,seed,step,module,mean_abs\n" + string.Concat(samples.Select(s =>
            string.Create(CultureInfo.InvariantCulture, $"{s.Width},{s.Seed},{s.Step},{s.Module},{s.MeanAbs:R}\n")));

    private static string VerdictsCsv(IReadOnlyList<ModuleVerdict> verdicts) =>
        "module,step,slope,change_per_4x,spread,passed\n" + string.Concat(verdicts.Select(v =>
            string.Create(CultureInfo.InvariantCulture, $"{v.Module},{v.Step},{v.Slope:R},{v.ChangePer4x:R},{v.Spread:R},{v.Passed.ToString().ToLowerInvariant()}\n")));
}
