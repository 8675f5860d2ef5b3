namespace Forge.Abstractions.Precision;

/// <summary>How <see cref="FloatFormat.Round(TorchSharp.torch.Tensor, FloatRounding)"/> picks between the two grid values around a number (added in 1.2).</summary>
public enum FloatRounding
{
    /// <summary>The nearest grid value, ties to even (libtorch's casts, hardware FP8's default).</summary>
    Nearest,

    /// <summary>
    /// The upper grid value with probability equal to the fraction of the gap below the number, else the lower: unbiased
    /// in expectation (graphcore-research/unit-scaling's FP8 simulator default, <c>FPFormat(rounding="stochastic")</c>).
    /// </summary>
    Stochastic,
}
