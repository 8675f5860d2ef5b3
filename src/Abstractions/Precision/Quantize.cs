using static TorchSharp.torch;

namespace Forge.Abstractions.Precision;

/// <summary>Autograd-aware rounding to a <see cref="FloatFormat"/>, for precision policies that simulate low-precision matmuls.</summary>
public static class Quantize
{
    /// <summary>Forward: <paramref name="x"/> rounded to <paramref name="format"/>; backward: the gradient unchanged (straight-through).</summary>
    public static Tensor Forward(Tensor x, FloatFormat format)
    {
        using var rounded = format.Round(x.detach());
        return x + (rounded - x.detach());
    }

    /// <summary>
    /// Forward: <paramref name="x"/> unchanged; backward: the incoming gradient rounded to <paramref name="format"/>.
    /// <paramref name="observe"/>, when given, sees each incoming gradient before it is rounded (to count saturation).
    /// </summary>
    public static Tensor Backward(Tensor x, FloatFormat format, Action<Tensor>? observe = null) => RoundGradient.apply(x, format, observe ?? Ignore);

    private static readonly Action<Tensor> Ignore = _ => { };

    /// <summary>Identity whose backward rounds the gradient (per-call format through the context: the function object is shared).</summary>
    private sealed class RoundGradient : autograd.SingleTensorFunction<RoundGradient>
    {
        public override string Name => "ForgeRoundGradient";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("format", vars[1]);
            ctx.save_data("observe", vars[2]);
            return ((Tensor)vars[0]).clone();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            ((Action<Tensor>)ctx.get_data("observe"))(grad_output);
            return new() { ((FloatFormat)ctx.get_data("format")).Round(grad_output), null!, null! };
        }
    }
}
