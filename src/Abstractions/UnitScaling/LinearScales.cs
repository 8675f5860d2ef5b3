namespace Forge.Abstractions.UnitScaling;

/// <summary>The three scales of a unit-scaled matrix product.</summary>
/// <param name="Output">Multiplies the forward product.</param>
/// <param name="GradInput">Multiplies the gradient passed to the input.</param>
/// <param name="GradWeight">Multiplies the gradient of the weight (and bias).</param>
public sealed record LinearScales(double Output, double GradInput, double GradWeight)
{
    /// <summary>
    /// graphcore's <c>U.linear</c> rule: output <c>fan_in^-½</c>, input gradient <c>fan_out^-½</c>, weight gradient
    /// <c>batch^-½</c> (batch = rows of the input), then <paramref name="constraint"/> on output and input gradient.
    /// </summary>
    public static LinearScales Linear(long fanIn, long fanOut, long batch, ScaleConstraint constraint = ScaleConstraint.ToOutputScale)
    {
        var (output, gradInput) = constraint.Apply(1 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanOut));
        return new LinearScales(output, gradInput, 1 / Math.Sqrt(batch));
    }

    /// <summary>
    /// graphcore's <c>U.linear_readout</c> rule (μP's readout): output <c>fan_in^-1</c>, input gradient
    /// <c>fan_out^-½</c>, weight gradient <c>batch^-½</c>, uncoupled. At initialisation the output is therefore
    /// <c>fan_in^-½</c>, not unit: logits start near zero and grow by learning, as μP prescribes.
    /// </summary>
    public static LinearScales Readout(long fanIn, long fanOut, long batch) =>
        new(1.0 / fanIn, 1 / Math.Sqrt(fanOut), 1 / Math.Sqrt(batch));
}
