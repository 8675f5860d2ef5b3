using System.Globalization;
using System.Text.RegularExpressions;

namespace Forge.Sweeps;

/// <summary>A running trial's latest progress, read from its worker's plain progress lines (<c>step 40/200 loss 2.31 eval 2.40 ...</c>).</summary>
public partial record TrialProgress(int Step, int TotalSteps, double Loss, double? EvalLoss)
{
    /// <summary>The progress in one line of a worker's output, or null for any other line.</summary>
    public static TrialProgress? TryParse(string line)
    {
        var match = ProgressLine().Match(line);
        if (!match.Success)
            return null;
        return new TrialProgress(
            int.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups["total"].Value, CultureInfo.InvariantCulture),
            Number(match.Groups["loss"].Value),
            match.Groups["eval"].Success ? Number(match.Groups["eval"].Value) : null);
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : double.NaN;

    [GeneratedRegex(@"^step (?<step>\d+)/(?<total>\d+) loss (?<loss>\S+)(?: eval (?<eval>\S+))?")]
    private static partial Regex ProgressLine();
}
