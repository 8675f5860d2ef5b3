using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Abstractions.Precision;

/// <summary>Plain float32 matmuls: what a <see cref="ParameterFactory"/> uses when no policy is given.</summary>
public sealed class FullPrecision : IPrecisionPlugin
{
    /// <summary>The shared instance.</summary>
    public static readonly FullPrecision Instance = new();

    /// <inheritdoc />
    public string Description => "fp32: every matmul in float32";

    /// <inheritdoc />
    public bool RoundsNothing => true;

    /// <inheritdoc />
    public torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, ParameterDescriptor descriptor) => torch.nn.functional.linear(input, weight);

    /// <inheritdoc />
    public torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, torch.Tensor bias, ParameterDescriptor descriptor) => torch.nn.functional.linear(input, weight, bias);
}
