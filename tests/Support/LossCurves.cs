using System.Text.Json.Nodes;

namespace Forge.Tests.Support;

/// <summary>Training-loss curves from run folders, and how far two of them part.</summary>
public static class LossCurves
{
    /// <summary>The training loss of every logged step in <paramref name="runFolder"/>'s <c>metrics.jsonl</c>, in order.</summary>
    public static List<double> Read(string runFolder) =>
        File.ReadAllLines(Path.Combine(runFolder, "metrics.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(o => o["loss"] is not null && o["step"] is not null)
            .Select(o => o["loss"]!.GetValue<double>())
            .ToList();

    /// <summary>The largest relative difference between two curves, relative to <paramref name="reference"/>.</summary>
    public static double WorstRelative(IReadOnlyList<double> curve, IReadOnlyList<double> reference) =>
        curve.Zip(reference).Max(p => Math.Abs(p.First - p.Second) / Math.Abs(p.Second));
}
