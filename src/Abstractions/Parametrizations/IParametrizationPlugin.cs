using Forge.Abstractions.Ops;
using Forge.Abstractions.Precision;

namespace Forge.Abstractions.Parametrizations;

/// <summary>
/// A parametrization plugin: the rule that decides, for every tensor a model creates, its initialization, forward
/// multiplier and per-tensor learning-rate / weight-decay / ε factors, plus the architectural scales a model asks
/// for (attention logits, residual branches). Models never choose these numbers themselves: they create every
/// tensor through <see cref="ParameterFactory"/>, which asks this rule. Document the paper and table a rule comes
/// from in the class's doc comment.
/// </summary>
public interface IParametrizationPlugin
{
    /// <summary>Decides the scaling of one tensor.</summary>
    ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context);

    /// <summary>The factor applied to attention logits q·k for heads of size <paramref name="headDimension"/>. Default 1/√d_head.</summary>
    double AttentionLogitScale(int headDimension, ParametrizationContext context) => 1.0 / Math.Sqrt(headDimension);

    /// <summary>
    /// The ops models compute with under this rule (see <see cref="ModelOps"/>): plain torch ops by default; u-μP
    /// returns unit-scaled ones. Called once per model build.
    /// </summary>
    ModelOps CreateOps(ParametrizationContext context, IPrecisionPlugin precision) => new(precision);

    /// <summary>
    /// The scale of residual branch <paramref name="block"/> (0-based, in order through the model): the multiplier
    /// m in <c>x + m·f(x)</c> under plain ops, τ under unit-scaled ones (<see cref="ModelOps.Residual"/>). Default 1.
    /// </summary>
    double ResidualBranchMultiplier(int block, ParametrizationContext context) => 1.0;

    /// <summary>
    /// Overrides of the spec's <c>model</c> section that make the base model this rule measures every tensor's width
    /// against (microsoft/mup's <c>set_base_shapes</c>: <c>{ "width": 64, "headDim": 16 }</c>), or null (the
    /// default) for a rule with a base width or none. When set, the host builds that model without allocating its
    /// weights and passes each of its tensors' descriptors as <see cref="ParametrizationContext.BaseModel"/> (added in 1.2).
    /// </summary>
    System.Text.Json.Nodes.JsonObject? BaseModel => null;

    /// <summary>
    /// How <paramref name="parameter"/>'s gradients from equal parts of a batch combine into the whole batch's: the
    /// data-parallel all-reduce and gradient accumulation (<c>training.microBatches</c>) multiply the parts' sum by
    /// its <see cref="GradientReduction.Factor"/>. Default <see cref="GradientReduction.Mean"/>, right for plain ops
    /// and a loss averaged over the batch; a rule whose ops scale gradients with the batch says its own (added in 1.2).
    /// </summary>
    GradientReduction Reduction(ParameterDescriptor parameter, ParametrizationContext context) => GradientReduction.Mean;
}
