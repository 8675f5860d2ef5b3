using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Ops;

namespace Forge.Plugins.Models.Mlp;

/// <summary>Options of the <c>mlp</c> model.</summary>
public sealed class MlpOptions
{
    [Description("Hidden width: the dimension that parametrizations scale.")]
    [Range(1, 1 << 20)]
    public int Width { get; set; } = 128;

    [Description("Number of hidden width-to-width layers between the input layer and the readout.")]
    [Range(0, 1024)]
    public int Depth { get; set; } = 2;

    [Description("Nonlinearity after the input layer and each hidden layer.")]
    public Activation Activation { get; set; } = Activation.Relu;

    [Description("Whether linear layers have biases.")]
    public bool Bias { get; set; } = true;
}
