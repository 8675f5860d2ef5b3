using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

/// <summary>
/// The spec's <c>metrics.layers</c> section: per-layer diagnostics (activation, weight, gradient and update sizes,
/// and the spectral ratio of updates), measured every <see cref="Interval"/> updates into <c>layers.jsonl</c> and
/// the <c>forge.layer.*</c> metrics.
/// </summary>
public sealed class LayerDiagnosticsOptions
{
    [Description("Measure per-layer diagnostics every this many updates (and after the first); 0 turns them off.")]
    [Range(0, int.MaxValue)]
    public int Interval { get; set; }

    [Description("Power-iteration steps for the spectral norm of each matrix's update.")]
    [Range(1, 1000)]
    public int PowerIterations { get; set; } = 10;
}
