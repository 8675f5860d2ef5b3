using TorchSharp;

namespace Forge.Abstractions.Precision;

/// <summary>
/// A precision policy plugin (spec field <c>precision</c>): how the matrix products of linear layers are computed.
/// Weights and optimizer state stay in float32 (master weights); the policy decides what the matmul sees and
/// what gradient flows back. Models get the policy through <see cref="Parametrizations.ParameterFactory.Precision"/>
/// and the built-in layers (<see cref="Layers.ScaledLinear"/>, <see cref="Layers.TiedLinear"/>) use it.
/// </summary>
public interface IPrecisionPlugin
{
    /// <summary>One line for <c>forge inspect</c> and run headers: what is computed in which format, and whether it is simulated.</summary>
    string Description { get; }

    /// <summary><c>input · weightᵀ</c> under this policy; the result is float32.</summary>
    torch.Tensor Linear(torch.Tensor input, torch.Tensor weight);
}
