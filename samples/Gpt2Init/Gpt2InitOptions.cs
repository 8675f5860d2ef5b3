using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Samples.Gpt2Init;

/// <summary>The <c>parametrization</c> section of a spec that selects <c>gpt2</c>.</summary>
public sealed class Gpt2InitOptions
{
    /// <summary>Standard deviation σ of every weight's initialisation (GPT-2's and nanoGPT's 0.02).</summary>
    [Description("Init standard deviation sigma of every weight (GPT-2 and nanoGPT: 0.02); residual output projections get sigma / sqrt(2 * depth).")]
    [Range(1e-6, 10.0)]
    public double InitStd { get; set; } = 0.02;
}
