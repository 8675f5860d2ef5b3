using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Callbacks;

/// <summary>Options of the <c>ema</c> callback.</summary>
public sealed class EmaOptions
{
    [Description("Weight of the previous average at each update: average ← decay·average + (1 − decay)·weights. 0.999 averages over about the last 1,000 updates.")]
    [Range(0.0, 1.0, MaximumIsExclusive = true)]
    public double Decay { get; set; } = 0.999;

    [Description("Updates before averaging begins; until then the average is the weights themselves (so it does not remember the initialisation).")]
    [Range(0, int.MaxValue)]
    public int StartStep { get; set; }

    [Description("Measure the average's held-out loss at every evaluation, reported as emaEvalLoss beside evalLoss.")]
    public bool Evaluate { get; set; } = true;
}
