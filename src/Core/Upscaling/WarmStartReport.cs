namespace Forge.Core.Upscaling;

/// <summary>What <c>init</c> did to a run: where it started from and how well the widened model matched the checkpoint.</summary>
/// <param name="Checkpoint">The checkpoint folder.</param>
/// <param name="Step">The step the checkpoint was written at.</param>
/// <param name="Factor">init.upscale.</param>
/// <param name="Widened">Tensors with a widened dimension.</param>
/// <param name="Tensors">All tensors.</param>
/// <param name="Mismatch">max |f_checkpoint − f_widened| / max(1, max |f_checkpoint|) on a training batch, before noise.</param>
/// <param name="Noise">init.noise.</param>
/// <param name="OptimizerState">Whether the optimizer's state was carried.</param>
public sealed record WarmStartReport(string Checkpoint, int Step, int Factor, int Widened, int Tensors, double Mismatch, double Noise, bool OptimizerState)
{
    /// <summary>Tensors whose gradient ratio was measured because it differs from the one the forward multipliers give (ops that scale their backward pass).</summary>
    public int MeasuredRatios { get; init; }

    public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"started from {Checkpoint} (step {Step}){(Factor > 1 ? $", widened {Factor}x ({Widened} of {Tensors} tensors)" : "")}: outputs match it to {Mismatch:G2} (relative) before noise; noise {Noise}; optimizer state {(OptimizerState ? "carried" : "fresh")}{(MeasuredRatios > 0 ? $", gradient ratios measured for {MeasuredRatios} tensors (the ops scale their backward pass)" : "")}");
}
