using Forge.Abstractions.Precision;
using TorchSharp;

namespace Forge.Tests.Precision;

/// <summary>FP8 rounding on known values (representable grid, ties to even, subnormals, saturation, NaN/inf) and against libtorch's native casts.</summary>
public class FloatFormatTests
{
    private static float[] Round(FloatFormat format, params double[] values)
    {
        using var x = torch.tensor(values.Select(v => (float)v).ToArray());
        using var y = format.Round(x);
        return y.data<float>().ToArray();
    }

    /// <summary>Every finite positive value of the format: subnormals k·2^(emin−M), normals (1 + m/2^M)·2^e up to Max.</summary>
    private static List<double> Grid(FloatFormat f)
    {
        var values = new List<double>();
        for (int k = 1; k < 1 << f.MantissaBits; k++)
            values.Add(k * f.MinSubnormal);
        for (int e = f.MinNormalExponent; ; e++)
        for (int m = 0; m < 1 << f.MantissaBits; m++)
        {
            double v = (1 + m / (double)(1 << f.MantissaBits)) * Math.Pow(2, e);
            if (v > f.Max)
                return values;
            values.Add(v);
        }
    }

    [Fact]
    public void Every_representable_value_is_kept_exactly()
    {
        foreach (var format in new[] { FloatFormat.E4M3, FloatFormat.E5M2 })
        {
            var grid = Grid(format);
            Assert.Equal(format.Max, grid[^1]);
            Assert.Equal(format == FloatFormat.E4M3 ? 7 + 15 * 8 - 1 : 3 + 30 * 4, grid.Count); // E4M3FN gives 2^8·1.875 = 480 to NaN; E5M2 ends at 1.75·2^15
            var both = grid.Concat(grid.Select(v => -v)).Append(0).ToArray();
            Assert.Equal(both.Select(v => (float)v), Round(format, both));
        }
    }

    [Theory]
    [InlineData("E4M3", 1.0625, 1.0)]          // halfway between 1 and 1.125: to the even mantissa (1.000)
    [InlineData("E4M3", 1.1875, 1.25)]         // halfway between 1.125 (001) and 1.25 (010): up to even
    [InlineData("E4M3", 1.07, 1.125)]          // nearest
    [InlineData("E4M3", 0.0009765625, 0.0)]    // 2^-10 = half the smallest subnormal: to even (0)
    [InlineData("E4M3", 0.0029296875, 0.00390625)] // 1.5·2^-9: between 2^-9 (odd) and 2^-8 (even)
    [InlineData("E4M3", -0.0013, -0.001953125)] // rounds up to the smallest subnormal 2^-9
    [InlineData("E4M3", 460, 448)]             // beyond the max: saturates, never 480 or NaN
    [InlineData("E4M3", -1e6, -448)]
    [InlineData("E5M2", 1.125, 1.0)]           // halfway between 1.0 (00) and 1.25 (01)
    [InlineData("E5M2", 1.375, 1.5)]           // halfway between 1.25 (01) and 1.5 (10)
    [InlineData("E5M2", 60000, 57344)]
    [InlineData("E5M2", 0.0000152587890625, 0.0000152587890625)] // 2^-16, the smallest subnormal
    public void Rounding_is_to_nearest_with_ties_to_even_and_saturates(string name, double input, double expected)
    {
        var format = name == "E4M3" ? FloatFormat.E4M3 : FloatFormat.E5M2;

        Assert.Equal((float)expected, Round(format, input)[0]);
    }

    [Fact]
    public void Infinities_saturate_and_nan_stays_nan()
    {
        var e4 = Round(FloatFormat.E4M3, double.PositiveInfinity, double.NegativeInfinity, double.NaN);
        var e5 = Round(FloatFormat.E5M2, double.PositiveInfinity, double.NaN);

        Assert.Equal(new[] { 448f, -448f }, e4[..2]);
        Assert.True(float.IsNaN(e4[2]));
        Assert.Equal(57344f, e5[0]);
        Assert.True(float.IsNaN(e5[1]));
    }

    [Theory]
    [InlineData("E4M3", 24)]
    [InlineData("E5M2", 23)]
    public void It_matches_libtorchs_native_fp8_cast_bit_for_bit(string name, int scalarType)
    {
        var format = name == "E4M3" ? FloatFormat.E4M3 : FloatFormat.E5M2;
        using var generator = new torch.Generator(11);
        using var scale = (torch.rand(100_000, generator: generator) * 36 - 24).exp2(); // magnitudes 2^-24 ... 2^12
        using var x = torch.randn(100_000, generator: generator) * scale;

        using var ours = format.Round(x);
        using var native = x.clamp(-format.Max, format.Max).to((torch.ScalarType)scalarType).to(torch.ScalarType.Float32);

        Assert.True(ours.eq(native).all().item<bool>(), $"{name}: {ours.ne(native).sum().item<long>()} values differ");
    }

    [Fact]
    public void Saturation_and_underflow_are_counted()
    {
        using var x = torch.tensor(new[] { 500f, float.NegativeInfinity, 1e-5f, (float)Math.Pow(2, -11), 0f, 1f, -0.0013f });

        var (saturated, underflowed) = FloatFormat.E4M3.Count(x);

        Assert.Equal(2, saturated);   // 500 and -inf
        Assert.Equal(2, underflowed); // 1e-5 and 2^-11 round to 0; 0 itself is not counted; -0.0013 becomes 2^-9
    }

    /// <summary>
    /// Stochastic rounding picks one of the two neighbouring grid values, the upper with probability equal to the
    /// fraction of the gap (graphcore's test: −1.35 in E2M1 gives −1.5 seven times in ten), so it is unbiased; grid
    /// values stay exact, out-of-range values saturate, and a seed reproduces it.
    /// </summary>
    [Fact]
    public void Stochastic_rounding_is_unbiased_between_the_two_neighbours_and_reproducible()
    {
        // E4M3 near 1.35: ulp 1/8, neighbours 1.25 and 1.375, 1.35 is 0.8 of the way up.
        using var x = torch.full(10_000, -1.35f);
        torch.manual_seed(3);
        using var y = FloatFormat.E4M3.Round(x, FloatRounding.Stochastic);
        torch.manual_seed(3);
        using var again = FloatFormat.E4M3.Round(x, FloatRounding.Stochastic);

        var values = y.data<float>().ToArray();
        Assert.All(values, v => Assert.True(v == -1.375f || v == -1.25f, $"{v}"));
        double up = values.Count(v => v == -1.375f) / 10_000.0;
        Assert.InRange(up, 0.8 - 3 * 0.004, 0.8 + 3 * 0.004); // σ = √(0.8·0.2/10⁴) = 0.004
        Assert.Equal(-1.35, values.Average(v => (double)v), 3 * 0.004 * 0.125);
        Assert.True(y.equal(again).all().item<bool>());

        var grid = Grid(FloatFormat.E5M2).Take(40).Select(v => (float)v).ToArray();
        using var exact = torch.tensor(grid);
        using var kept = FloatFormat.E5M2.Round(exact, FloatRounding.Stochastic);
        Assert.Equal(grid, kept.data<float>().ToArray());
        using var huge = torch.tensor(new[] { 1e6f, -1e6f, float.PositiveInfinity });
        Assert.Equal(new[] { 448f, -448f, 448f }, FloatFormat.E4M3.Round(huge, FloatRounding.Stochastic).data<float>().ToArray());
    }
}
