using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Samples.Swa;

/// <summary>The spec entry <c>{ "name": "swa", ... }</c> of the <c>callbacks</c> list.</summary>
public sealed class SwaOptions
{
    /// <summary>The first update whose weights enter the average.</summary>
    [Description("The first update whose weights enter the average.")]
    [Range(1, int.MaxValue)]
    public int Start { get; set; } = 1;

    /// <summary>Average the weights of every this many updates from <see cref="Start"/> on.</summary>
    [Description("Average the weights of every this many updates from start on.")]
    [Range(1, int.MaxValue)]
    public int Every { get; set; } = 1;
}
