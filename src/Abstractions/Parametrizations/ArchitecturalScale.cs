namespace Forge.Abstractions.Parametrizations;

/// <summary>A scale a model asked the parametrization for that is not a tensor's multiplier (e.g. an attention-logit scale).</summary>
/// <param name="Name">Where it is used, e.g. <c>blocks.0.attention</c>.</param>
/// <param name="Kind">What it is: <c>attention logit scale</c>, <c>residual multiplier</c>.</param>
/// <param name="Value">The value the model uses.</param>
public sealed record ArchitecturalScale(string Name, string Kind, double Value);
