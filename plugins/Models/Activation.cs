using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Plugins.Models;

/// <summary>Elementwise nonlinearities a model can use.</summary>
public enum Activation
{
    Relu,
    Gelu,
    Tanh,
    Silu,
}

internal static class ActivationFunctions
{
    public static Tensor Apply(this Activation activation, Tensor x) => activation switch
    {
        Activation.Relu => nn.functional.relu(x),
        Activation.Gelu => nn.functional.gelu(x),
        Activation.Tanh => x.tanh(),
        Activation.Silu => nn.functional.silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };
}
