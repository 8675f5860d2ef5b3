using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Unit-scaled linear layer, <c>W</c> stored (fan_out, fan_in) and initialised N(0, 1):
    /// <c>y = (x Wᵀ)·fan_in^-½ + b</c>. Backward: <c>grad_x = (g W)·s_x</c> with <c>s_x = fan_out^-½</c> coupled to
    /// the output scale by <paramref name="constraint"/> (default: <c>fan_in^-½</c>, the exact gradient);
    /// <c>grad_W = (gᵀ x)·batch^-½</c> and <c>grad_b = Σg·batch^-½</c>, batch = <c>numel(x)/fan_in</c>.
    /// Equals <c>nn.functional.linear(x, W)·fan_in^-½ + b</c> in the forward pass.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null, ScaleConstraint constraint = ScaleConstraint.ToOutputScale)
    {
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        return Linear(input, weight, bias, LinearScales.Linear(fanIn, fanOut, input.numel() / fanIn, constraint));
    }

    /// <summary>
    /// Unit-scaled readout (graphcore's <c>linear_readout</c>): <c>y = (x Wᵀ)·fan_in^-1 + b</c>, input gradient
    /// <c>fan_out^-½</c>, weight gradient <c>batch^-½</c>, no constraint (valid only after the last residual add).
    /// </summary>
    public static Tensor LinearReadout(Tensor input, Tensor weight, Tensor? bias = null)
    {
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        return Linear(input, weight, bias, LinearScales.Readout(fanIn, fanOut, input.numel() / fanIn));
    }

    /// <summary>
    /// <c>y = product(x, W)·scales.Output + b</c> with <c>grad_x</c>, <c>grad_W</c>, <c>grad_b</c> multiplied by
    /// the given scales. <paramref name="product"/> computes <c>x Wᵀ</c> (default <c>nn.functional.linear</c>; a
    /// precision policy passes its low-precision product, which then sees unit-scaled operands and an unscaled
    /// output gradient). The bias is added after the output scale, so its update size does not shrink with
    /// fan-in (graphcore adds it before; its u-μP modules have no biases).
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, LinearScales scales, Func<Tensor, Tensor, Tensor>? product = null)
    {
        var x = ScaleBackward(input, scales.GradInput);
        var w = ScaleBackward(weight, scales.GradWeight);
        var y = ScaleForward(product is null ? nn.functional.linear(x, w) : product(x, w), scales.Output);
        return bias is null ? y : y.add(ScaleBackward(bias, scales.GradWeight));
    }

    /// <summary>
    /// Unit-scaled batched matmul <c>A[…, a, k] · B[…, k, b]</c>: output <c>k^-½</c>, grad_A <c>b^-½</c>, grad_B
    /// <c>a^-½</c>. With the default constraint all three use the output scale (exact gradients); with
    /// <see cref="ScaleConstraint.None"/> each is its own.
    /// </summary>
    public static Tensor Matmul(Tensor left, Tensor right, ScaleConstraint constraint = ScaleConstraint.ToOutputScale)
    {
        long a = left.shape[^2], k = left.shape[^1], b = right.shape[^1];
        double output = 1 / Math.Sqrt(k), gradLeft = 1 / Math.Sqrt(b), gradRight = 1 / Math.Sqrt(a);
        if (constraint != ScaleConstraint.None)
        {
            (output, _) = constraint.Apply(output, Math.Sqrt(gradLeft * gradRight));
            gradLeft = gradRight = output;
        }
        return ScaleForward(ScaleBackward(left, gradLeft).matmul(ScaleBackward(right, gradRight)), output);
    }
}
