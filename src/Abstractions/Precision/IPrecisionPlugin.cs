using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Abstractions.Precision;

/// <summary>
/// A precision policy plugin (spec field <c>precision</c>): how the matrix products of linear layers are computed.
/// Weights and optimizer state stay in float32 (master weights); the policy decides what the matmul sees and
/// what gradient flows back. Models reach the policy through their ops (<see cref="Ops.ModelOps.Linear"/>), which
/// hand it each product with the weight's descriptor, so a policy can treat layers differently (e.g. keep the
/// "critical" residual-output projections in bf16) and report per tensor. A policy that rounds to a narrow format
/// should also implement <see cref="IRoundingStatistics"/>.
/// </summary>
public interface IPrecisionPlugin
{
    /// <summary>One line for <c>forge inspect</c> and run headers: what is computed in which format, and whether it is simulated.</summary>
    string Description { get; }

    /// <summary>
    /// Whether every product is computed in float32 without rounding its operands (so two models that compute the same
    /// function agree to float32 accuracy). False, the default, for policies that round to a narrower format; Forge
    /// then allows their outputs to differ by that format's error when it checks a widened checkpoint.
    /// </summary>
    bool RoundsNothing => false;

    /// <summary><c>input · weightᵀ</c> under this policy; the result is float32.</summary>
    /// <param name="input">The activations entering the product.</param>
    /// <param name="weight">The weight (fan_out, fan_in), possibly already wrapped by a unit-scaled op's backward scale.</param>
    /// <param name="descriptor">What the weight is (name, role, tags).</param>
    torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, ParameterDescriptor descriptor);

    /// <summary>
    /// <c>input · weightᵀ + bias</c> under the policy. The default adds the bias after <see cref="Linear(torch.Tensor, torch.Tensor, ParameterDescriptor)"/>;
    /// a policy that computes in the weights' dtype can fuse it into the matmul (one GEMM with the bias as its
    /// accumulator, as <c>nn.Linear</c> does), saving an elementwise pass forward and a reduction backward.
    /// </summary>
    torch.Tensor Linear(torch.Tensor input, torch.Tensor weight, torch.Tensor bias, ParameterDescriptor descriptor) =>
        Linear(input, weight, descriptor).add(bias);
}
