using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>Options of the <c>text</c> dataset.</summary>
public sealed class TextOptions
{
    [Description("UTF-8 text file; a relative path is taken from the spec file's folder.")]
    [Required]
    [SpecPath]
    public string Path { get; set; } = "";

    [Description("Characters per training window (the model's context length).")]
    [Range(1, 1 << 20)]
    public int Context { get; set; } = 64;

    [Description("Fraction of the text, taken from its end, held out for evaluation.")]
    [Range(0.0, 0.5, MinimumIsExclusive = true)]
    public double ValidationFraction { get; set; } = 0.1;
}
