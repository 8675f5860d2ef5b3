namespace Forge.Abstractions.Parametrizations;

/// <summary>What a tensor does in the network; parametrizations give each role its own init, multiplier and LR rule.</summary>
public enum ParameterRole
{
    /// <summary>A lookup table (vocabulary, width) read by index: token or positional embedding (one-hot input).</summary>
    Embedding,
    /// <summary>A matrix from a fixed-size dense input into the width (the first layer of an MLP).</summary>
    Input,
    /// <summary>Maps width to width (attention Q/K/V/O, MLP up/down projections).</summary>
    Hidden,
    /// <summary>Maps the width to a fixed-size output (readout / unembedding).</summary>
    Output,
    /// <summary>An additive bias of any layer; its <see cref="ParameterDescriptor.FanOut"/> says whether it has a width dimension.</summary>
    Bias,
    /// <summary>The multiplicative gain of a LayerNorm or RMSNorm.</summary>
    NormGain,
    /// <summary>The additive bias of a LayerNorm.</summary>
    NormBias,
}
