using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;
using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Plugins.Precision;

/// <summary><c>fp32</c>: every matmul in float32 (the default).</summary>
[ForgePlugin("fp32", Description = "float32 everywhere")]
public sealed class Fp32Precision : IPrecisionPlugin
{
    /// <inheritdoc />
    public string Description => FullPrecision.Instance.Description;

    /// <inheritdoc />
    public bool RoundsNothing => true;

    /// <inheritdoc />
    public torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, ParameterDescriptor descriptor) => FullPrecision.Instance.Linear(input, weight, descriptor);

    /// <inheritdoc />
    public torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, torch.Tensor bias, ParameterDescriptor descriptor) => FullPrecision.Instance.Linear(input, weight, bias, descriptor);
}
