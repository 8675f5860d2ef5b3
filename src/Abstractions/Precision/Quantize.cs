using static TorchSharp.torch;

namespace Forge.Abstractions.Precision;

/// <summary>Autograd-aware rounding to a <see cref="FloatFormat"/>, for precision policies that simulate low-precision matmuls.</summary>
public static class Quantize
{
    /// <summary>Forward: <paramref name="x"/> rounded to <paramref name="format"/>; backward: the gradient unchanged (straight-through).</summary>
    public static Tensor Forward(Tensor x, FloatFormat format) => Forward(x, format, FloatRounding.Nearest);

    /// <summary>Forward: <paramref name="x"/> rounded to <paramref name="format"/> as <paramref name="rounding"/> says; backward: the gradient unchanged (added in 1.2).</summary>
    public static Tensor Forward(Tensor x, FloatFormat format, FloatRounding rounding)
    {
        using var rounded = format.Round(x.detach(), rounding);
        return x + (rounded - x.detach());
    }

    /// <summary>
    /// Forward: <paramref name="x"/> unchanged; backward: the incoming gradient rounded to <paramref name="format"/>.
    /// <paramref name="observe"/>, when given, sees each incoming gradient before it is rounded (to count saturation).
    /// </summary>
    public static Tensor Backward(Tensor x, FloatFormat format, Action<Tensor>? observe = null) => Backward(x, format, FloatRounding.Nearest, observe);

    /// <summary>As <see cref="Backward(Tensor, FloatFormat, Action{Tensor}?)"/>, the gradient rounded as <paramref name="rounding"/> says (added in 1.2).</summary>
    public static Tensor Backward(Tensor x, FloatFormat format, FloatRounding rounding, Action<Tensor>? observe = null) =>
        RoundGradient.apply(x, format, observe ?? Ignore, rounding);

    private static readonly Action<Tensor> Ignore = _ => { };

    /// <summary>Identity whose backward rounds the gradient (per-call format through the context: the function object is shared).</summary>
    private sealed class RoundGradient : autograd.SingleTensorFunction<RoundGradient>
    {
        public override string Name => "ForgeRoundGradient";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("format", vars[1]);
            ctx.save_data("observe", vars[2]);
            ctx.save_data("rounding", vars[3]);
            return ((Tensor)vars[0]).clone();
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            ((Action<Tensor>)ctx.get_data("observe"))(grad_output);
            return new() { ((FloatFormat)ctx.get_data("format")).Round(grad_output, (FloatRounding)ctx.get_data("rounding")), null!, null!, null! };
        }
    }
}
