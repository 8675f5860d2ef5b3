namespace Forge.Abstractions.Parametrizations;

/// <summary>What a tensor is for, beyond its role, when a rule treats it specially.</summary>
[Flags]
public enum ParameterTags
{
    /// <summary>Nothing special.</summary>
    None = 0,
    /// <summary>The query projection of attention (muP zero-initialises it; TP5 §"μP for Transformers").</summary>
    AttentionQuery = 1,
    /// <summary>The last projection of a residual branch (GPT-2's 1/√(2L) init; depth rules scale it).</summary>
    ResidualOutput = 2,
}
