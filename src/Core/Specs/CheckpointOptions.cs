using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

/// <summary>
/// The spec's <c>checkpoint</c> section: when model and optimizer state are written to <c>checkpoints/</c> in the run
/// folder. <c>"checkpoint": "none"</c> is short for <c>{ "enabled": false }</c> (what sweep trials usually want).
/// </summary>
public sealed class CheckpointOptions
{
    [Description("Write checkpoints at all (the final one included).")]
    public bool Enabled { get; set; } = true;

    [Description("Write a checkpoint every this many updates; 0 = only the final one (and on Ctrl-C / SIGTERM).")]
    [Range(0, int.MaxValue)]
    public int Interval { get; set; } = 200;

    [Description("Keep this many of the newest checkpoints; older ones are deleted unless permanent.")]
    [Range(1, int.MaxValue)]
    public int KeepLast { get; set; } = 2;

    [Description("Also keep every checkpoint whose step is a multiple of this, forever; 0 = none.")]
    [Range(0, int.MaxValue)]
    public int PermanentInterval { get; set; }

    /// <summary>Whether the interval asks for a checkpoint after update <paramref name="step"/>.</summary>
    public bool IsDue(int step) => Enabled && Interval > 0 && step % Interval == 0;
}
