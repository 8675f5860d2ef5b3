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

    /// <summary>The multiplier of residual branch <paramref name="block"/> (0-based) in <c>x + m·f(x)</c>. Default 1.</summary>
    double ResidualBranchMultiplier(int block, ParametrizationContext context) => 1.0;
}
