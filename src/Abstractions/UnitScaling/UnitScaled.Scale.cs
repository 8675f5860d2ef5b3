using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

/// <summary>
/// Unit-scaled functional ops in the spirit of graphcore-research/unit-scaling's <c>unit_scaling.functional</c>
/// (Blake, Orr &amp; Luschi 2023; u-μP, Blake et al. 2024; docs/reference/umup.md). Each op is
/// its plain torch counterpart times constant scale factors chosen so that, for unit-variance inputs and unit
/// weights, the output and the gradients it passes back have RMS ≈ 1. Each op documents its forward scale and its
/// backward scales. Where a backward scale differs from the forward one, the gradient it passes on is a constant
/// multiple of the true gradient; ops whose input gradients must stay exact (because paths meet) couple them
/// through a <see cref="ScaleConstraint"/>.
/// </summary>
public static partial class UnitScaled
{
    /// <summary>Forward: <c>forward · x</c>; backward: <c>backward · grad</c> (graphcore's <c>scale_fwd</c> and <c>scale_bwd</c> in one custom autograd function).</summary>
    public static Tensor Scale(Tensor x, double forward, double backward) => ScaleFunction.apply(x, forward, backward);

    /// <summary>Forward: <c>scale · x</c>; backward: the gradient unchanged (<c>scale_fwd</c>).</summary>
    public static Tensor ScaleForward(Tensor x, double scale) => Scale(x, scale, 1.0);

    /// <summary>Forward: <c>x</c> unchanged; backward: <c>scale · grad</c> (<c>scale_bwd</c>).</summary>
    public static Tensor ScaleBackward(Tensor x, double scale) => Scale(x, 1.0, scale);

    /// <summary><c>exp(α·ln upper + (1−α)·ln lower)</c>: graphcore's <c>logarithmic_interpolation</c> for empirical scale models.</summary>
    public static double LogInterpolate(double alpha, double lower, double upper) =>
        Math.Exp(alpha * Math.Log(upper) + (1 - alpha) * Math.Log(lower));

    /// <summary>
    /// The scales travel through the context: the function object is a shared singleton. A scale of exactly 1
    /// returns a view (the gradient-reversal-layer idiom) instead of copying the tensor.
    /// </summary>
    private sealed class ScaleFunction : autograd.SingleTensorFunction<ScaleFunction>
    {
        public override string Name => "ForgeUnitScale";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("backward", vars[2]);
            var x = (Tensor)vars[0];
            double forward = (double)vars[1];
            return forward == 1.0 ? x.view_as(x) : x.Times(forward);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            double backward = (double)ctx.get_data("backward");
            return new() { backward == 1.0 ? grad_output.view_as(grad_output) : grad_output.Times(backward), null!, null! };
        }
    }
}
