using Forge.Plugins.Datasets;
using static TorchSharp.torch;

namespace Forge.Tests.Data;

/// <summary>RandAugment's operations against hand-computed results at known magnitudes, and its per-image choices from the generator.</summary>
public class RandAugmentTests
{
    private static readonly double[] Plus = { 1.0 }, Minus = { -1.0 };

    /// <summary>One 8-bit image (1, 1, side, side) with every pixel a multiple of 1/255, none equal to 1.</summary>
    private static Tensor Quantised(int side = 8) =>
        arange(side * side, dtype: ScalarType.Float32).mul(3).add(10).remainder(250).div(255).view(1, 1, side, side);

    private static float Pixel(Tensor image, long row, long column) => image[0, 0, row, column].item<float>();

    [Theory]
    [InlineData("identity")]
    [InlineData("shearX")]
    [InlineData("shearY")]
    [InlineData("translateX")]
    [InlineData("translateY")]
    [InlineData("rotate")]
    [InlineData("brightness")]
    [InlineData("color")]
    [InlineData("contrast")]
    [InlineData("sharpness")]
    [InlineData("posterize")]
    [InlineData("solarize")]
    public void At_magnitude_0_every_operation_with_a_strength_leaves_an_8_bit_image_as_it_is(string operation)
    {
        var image = Quantised();
        var result = new RandAugment(1, 0).ApplyOperation(operation, image, Plus);
        Assert.True(result.sub(image).abs().max().item<float>() < 1e-6f, $"{operation} at magnitude 0 changed the image");
    }

    [Fact]
    public void Every_operation_at_full_strength_changes_an_8_bit_image_except_identity_and_color_on_grayscale()
    {
        var image = randint(20, 230, new long[] { 1, 1, 32, 32 }, generator: new Generator(3)).to_type(ScalarType.Float32).div(255);
        var changed = RandAugment.Operations.Where(op => new RandAugment(1, 30).ApplyOperation(op, image, Plus).sub(image).abs().max().item<float>() > 1e-3f).ToArray();
        Assert.Equal(RandAugment.Operations.Except(new[] { "identity", "color" }), changed);
    }

    [Theory]
    [InlineData(1.0, 12)]
    [InlineData(-1.0, -12)]
    public void Translation_at_magnitude_30_moves_a_28_pixel_image_by_12_pixels_filling_with_black(double sign, int shift)
    {
        var image = rand(1, 1, 28, 28, generator: new Generator(1)).add(0.1);
        var moved = new RandAugment(1, 30).ApplyOperation("translateX", image, new[] { sign }); // 150/331 of 28 pixels, truncated
        int from = Math.Max(0, -shift), to = 28 - Math.Abs(shift);
        var source = image.narrow(3, from, to);
        var target = moved.narrow(3, from + shift, to);
        Assert.True(target.eq(source).all().item<bool>());
        Assert.Equal(28 * 12, moved.eq(0).sum().item<long>());
    }

    [Fact]
    public void Rotation_at_magnitude_30_turns_a_pixel_30_degrees_about_the_centre()
    {
        var image = zeros(1, 1, 29, 29);
        image[0, 0, 14, 24] = tensor(1f); // 10 pixels right of the centre (14, 14)
        var turned = new RandAugment(1, 30).ApplyOperation("rotate", image, Plus);
        var lit = turned.flatten().nonzero().flatten().data<long>().Select(i => (Row: i / 29, Column: i % 29)).ToArray();
        Assert.NotEmpty(lit);
        foreach (var (row, column) in lit)
        {
            double angle = Math.Atan2(row - 14, column - 14) * 180 / Math.PI, radius = Math.Sqrt((row - 14) * (row - 14) + (column - 14) * (column - 14));
            Assert.InRange(Math.Abs(angle), 25, 35); // 30° one way or the other (image rows grow downwards)
            Assert.InRange(radius, 9, 11);
        }
    }

    [Fact]
    public void Photometric_operations_give_torchvisions_values()
    {
        var half = full(1, 1, 4, 4, 0.5f);
        // Brightness at magnitude 10: factor 1 ± 0.9 · 10/30 = 1.3 or 0.7.
        Assert.Equal(0.65f, new RandAugment(1, 10).ApplyOperation("brightness", half, Plus).max().item<float>(), 5);
        Assert.Equal(0.35f, new RandAugment(1, 10).ApplyOperation("brightness", half, Minus).max().item<float>(), 5);

        // Contrast at magnitude 10 (factor 1.3) about the image's mean 0.5: 0.25 → 0.175, 0.75 → 0.825.
        var stripes = cat(new[] { full(1, 1, 4, 2, 0.25f), full(1, 1, 4, 2, 0.75f) }, 3);
        var contrasted = new RandAugment(1, 10).ApplyOperation("contrast", stripes, Plus);
        Assert.Equal(0.175f, contrasted.min().item<float>(), 5);
        Assert.Equal(0.825f, contrasted.max().item<float>(), 5);

        // Solarize at magnitude 15: threshold 0.5; 0.75 becomes 0.25, 0.25 stays.
        var solarized = new RandAugment(1, 15).ApplyOperation("solarize", stripes, Plus);
        Assert.True(solarized.eq(0.25f).all().item<bool>());

        // Posterize at magnitude 30 keeps 4 bits: 200 → 192.
        Assert.Equal(192f / 255, new RandAugment(1, 30).ApplyOperation("posterize", full(1, 1, 2, 2, 200f / 255), Plus).max().item<float>(), 5);

        // Autocontrast stretches [0.25, 0.75] to [0, 1].
        var stretched = new RandAugment(1, 0).ApplyOperation("autoContrast", stripes, Plus);
        Assert.Equal(0f, stretched.min().item<float>(), 5);
        Assert.Equal(1f, stretched.max().item<float>(), 5);

        // Sharpness leaves a constant image and the border alone.
        Assert.True(new RandAugment(1, 30).ApplyOperation("sharpness", half, Plus).sub(0.5f).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Equalize_spreads_a_two_level_image_over_the_whole_range_as_PIL_does()
    {
        // 1,024 pixels, half at level 51 and half at 153: PIL's step is (1024 − 512) / 255 = 2, so the table sends
        // 51 to 0 and 153 to (512 + 1) / 2 = 256, clipped to 255.
        var image = cat(new[] { full(1, 1, 32, 16, 51f / 255), full(1, 1, 32, 16, 153f / 255) }, 3);
        var equalised = new RandAugment(1, 0).ApplyOperation("equalize", image, Plus);
        Assert.True(equalised.narrow(3, 0, 16).eq(0).all().item<bool>());
        Assert.True(equalised.narrow(3, 16, 16).eq(1).all().item<bool>());

        // With fewer than 255 pixels outside the top level, the step is 0 and the image is left as it is.
        var small = Quantised();
        Assert.True(new RandAugment(1, 0).ApplyOperation("equalize", small, Plus).eq(small).all().item<bool>());
    }

    [Fact]
    public void Each_image_takes_its_own_operations_and_the_same_generator_gives_the_same_batch()
    {
        var images = Quantised(12).expand(32, 1, 12, 12).contiguous();
        var policy = new RandAugment(2, 15);

        var once = policy.Apply(images, new Generator(7));
        var again = policy.Apply(images, new Generator(7));
        var other = policy.Apply(images, new Generator(8));

        Assert.True(once.eq(again).all().item<bool>());
        Assert.False(once.eq(other).all().item<bool>());
        var distinct = Enumerable.Range(0, 32).Select(i => string.Join(",", once[i].flatten().data<float>().Select(v => v.ToString("R")))).Distinct().Count();
        Assert.InRange(distinct, 16, 32); // 14 × 14 ordered pairs of operations and two signs: most images differ
        Assert.True(once.min().item<float>() >= 0 && once.max().item<float>() <= 1);
    }

    [Fact]
    public void An_unknown_operation_is_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new RandAugment(1, 9).ApplyOperation("invert", Quantised(), Plus));
        Assert.Contains("invert", error.Message);
        Assert.Contains("equalize", error.Message);
    }
}
