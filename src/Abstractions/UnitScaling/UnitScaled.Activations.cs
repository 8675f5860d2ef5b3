using System.Globalization;
using static TorchSharp.torch;

namespace Forge.Abstractions.UnitScaling;

public static partial class UnitScaled
{
    /// <summary>
    /// Unit-scaled GELU with temperature <paramref name="mult"/> (u-μP's α_ffn-act): <c>s·gelu(mult·x)/mult</c>,
    /// <c>s = 1/RMS</c> of <c>gelu(mult·x)/mult</c> under a unit Gaussian (<see cref="GaussianScale"/>; ≈1.534 at
    /// mult 1). The gradient gets the same <c>s</c> (graphcore's default coupling), i.e. it is exact.
    /// </summary>
    public static Tensor Gelu(Tensor input, double mult = 1.0)
    {
        double s = GaussianScale.Of(Key("gelu", mult), x => nn.functional.gelu(x.mul(mult)).div(mult));
        return nn.functional.gelu(input.Times(mult)).Times(s / mult);
    }

    /// <summary>
    /// Unit-scaled SiLU with temperature <paramref name="mult"/>: <c>s·x·σ(mult·x)</c> (graphcore's form),
    /// <c>s = 1/RMS</c> of <c>x·σ(mult·x)</c> under a unit Gaussian (≈1.677 at mult 1); exact gradient.
    /// </summary>
    public static Tensor Silu(Tensor input, double mult = 1.0)
    {
        double s = GaussianScale.Of(Key("silu", mult), x => x.mul(x.mul(mult).sigmoid()));
        return input.mul(input.Times(mult).sigmoid()).Times(s);
    }

    /// <summary>Unit-scaled ReLU: <c>√2·relu(x)</c> (the exact Gaussian moment); exact gradient.</summary>
    public static Tensor Relu(Tensor input) => nn.functional.relu(input).Times(Math.Sqrt(2));

    /// <summary>Unit-scaled tanh: <c>s·tanh(x)</c>, <c>s = 1/RMS</c> of tanh under a unit Gaussian (≈1.59); exact gradient.</summary>
    public static Tensor Tanh(Tensor input) => input.tanh().mul(GaussianScale.Of("tanh", x => x.tanh()));

    private static string Key(string name, double mult) => name + ":" + mult.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// Unit-scaled SwiGLU, <c>input · gate · σ(mult · gate)</c> (graphcore's <c>silu_glu</c>): the output and the
    /// gradients of both inputs multiplied by <c>s = logint(1/(1 + 1/mult²), 2, √2)</c>, graphcore's empirical model of
    /// the product's scale for unit Gaussian inputs (one SiLU scale serves forward and backward).
    /// </summary>
    public static Tensor SiluGlu(Tensor input, Tensor gate, double mult = 1.0)
    {
        double s = LogInterpolate(1 / (1 + 1 / (mult * mult)), 2, Math.Sqrt(2));
        var x = ScaleBackward(input, s);
        var g = ScaleBackward(gate, s);
        var silu = mult == 1.0 ? nn.functional.silu(g) : g.mul(g.Times(mult).sigmoid());
        return ScaleForward(x.mul(silu), s);
    }
}
