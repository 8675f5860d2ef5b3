using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// RandAugment (Cubuk et al. 2020) as torchvision's <c>RandAugment</c> defines its fourteen operations and their
/// ranges: each image takes <paramref name="Ops"/> operations in turn, each chosen uniformly from the fourteen and
/// applied at one shared <paramref name="Magnitude"/> on torchvision's scale of 0 to 30 (its 31 bins), with a random
/// sign where the operation has one. Pixels are in [0, 1]; geometric operations sample the nearest pixel and fill
/// with 0 (black), as torchvision does. Every choice (operation, sign) comes from the generator it is given, per
/// image, so a run with a checkpointed generator resumes bit for bit.
/// </summary>
/// <param name="Ops">Operations per image (torchvision's <c>num_ops</c>; 0 is off).</param>
/// <param name="Magnitude">Strength of every operation, 0 to 30 (torchvision's <c>magnitude</c>; its default is 9).</param>
public sealed record RandAugment(int Ops, int Magnitude)
{
    /// <summary>The largest magnitude (torchvision's 31 bins: 0 to 30).</summary>
    public const int MaxMagnitude = 30;

    /// <summary>The operations, in torchvision's order; an image's choice is an index into this list.</summary>
    public static IReadOnlyList<string> Operations { get; } = new[]
    {
        "identity", "shearX", "shearY", "translateX", "translateY", "rotate", "brightness", "color", "contrast",
        "sharpness", "posterize", "solarize", "autoContrast", "equalize",
    };

    private double Fraction => (double)Magnitude / MaxMagnitude;

    /// <summary>
    /// Augments <paramref name="images"/> (batch, channels, height, width), pixels in [0, 1]; returns a new tensor in
    /// the current dispose scope.
    /// </summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        long batch = images.shape[0];
        for (int slot = 0; slot < Ops; slot++)
        {
            // One operation and one sign per image, drawn on the host from the run's generator.
            var chosen = randint(Operations.Count, new long[] { batch }, generator: generator).data<long>().ToArray();
            var negative = (rand(new long[] { batch }, generator: generator) < 0.5).data<bool>().ToArray();
            for (int op = 1; op < Operations.Count; op++)
            {
                var picked = Enumerable.Range(0, (int)batch).Where(i => chosen[i] == op).ToArray();
                if (picked.Length == 0)
                    continue;
                var index = tensor(picked.Select(i => (long)i).ToArray(), device: images.device);
                var signs = picked.Select(i => negative[i] ? -1.0 : 1.0).ToArray();
                images = images.index_copy(0, index, ApplyOperation(Operations[op], images.index_select(0, index), signs));
            }
        }
        return images;
    }

    /// <summary>
    /// One of the <see cref="Operations"/> at this magnitude on every image of <paramref name="images"/> (pixels in
    /// [0, 1]), with one sign (+1 or −1) per image for the operations that have a direction.
    /// </summary>
    public Tensor ApplyOperation(string operation, Tensor images, double[] signs)
    {
        double f = Fraction;
        long height = images.shape[2], width = images.shape[3];
        return operation switch
        {
            "shearX" => Geometric(images, signs.Select(s => Shear(s * 0.3 * f, 0)).ToArray()),
            "shearY" => Geometric(images, signs.Select(s => Shear(0, s * 0.3 * f)).ToArray()),
            "translateX" => Geometric(images, signs.Select(s => Translate(Math.Truncate(s * 150.0 / 331 * width * f), 0)).ToArray()),
            "translateY" => Geometric(images, signs.Select(s => Translate(0, Math.Truncate(s * 150.0 / 331 * height * f))).ToArray()),
            "rotate" => Geometric(images, signs.Select(s => Rotate(s * 30 * f * Math.PI / 180)).ToArray()),
            "brightness" => Blend(images, zeros_like(images), Factors(images, signs)),
            "color" => Blend(images, Grayscale(images).expand_as(images), Factors(images, signs)),
            "contrast" => Blend(images, Grayscale(images).mean(new long[] { 1, 2, 3 }, keepdim: true).expand_as(images), Factors(images, signs)),
            "sharpness" => Blend(images, Smoothed(images), Factors(images, signs)),
            "posterize" => Posterize(images, 8 - (int)Math.Round(4 * f)),
            "solarize" => where(images >= 1 - f, images.neg().add(1), images),
            "autoContrast" => AutoContrast(images),
            "equalize" => Equalize(images),
            "identity" => images,
            _ => throw new ArgumentException($"RandAugment has no operation '{operation}'; it has {string.Join(", ", Operations)}.", nameof(operation)),
        };
    }

    /// <summary>1 + sign · 0.9 · fraction per image: torchvision's factor for brightness, color, contrast and sharpness.</summary>
    private Tensor Factors(Tensor images, double[] signs) =>
        tensor(signs.Select(s => (float)(1 + s * 0.9 * Fraction)).ToArray(), device: images.device).view(-1, 1, 1, 1).to_type(images.dtype);

    /// <summary>factor · image + (1 − factor) · other, clipped to [0, 1] (torchvision's <c>_blend</c>).</summary>
    private static Tensor Blend(Tensor images, Tensor other, Tensor factor) =>
        images.mul(factor).add(other.mul(factor.neg().add(1))).clamp(0, 1);

    /// <summary>Luma (ITU-R 601) of RGB images, or the image itself when it has one channel; (batch, 1, height, width).</summary>
    private static Tensor Grayscale(Tensor images) =>
        images.shape[1] == 3
            ? images.select(1, 0).mul(0.299).add(images.select(1, 1).mul(0.587)).add(images.select(1, 2).mul(0.114)).unsqueeze(1)
            : images.mean(new long[] { 1 }, keepdim: true);

    /// <summary>The image smoothed by PIL's SMOOTH kernel (centre 5, neighbours 1, over 13), borders left as they are.</summary>
    private static Tensor Smoothed(Tensor images)
    {
        long channels = images.shape[1];
        var kernel = ones(3, 3, dtype: images.dtype, device: images.device);
        kernel[1, 1] = tensor(5f);
        kernel = kernel.div(13).expand(channels, 1, 3, 3);
        var inner = nn.functional.conv2d(images, kernel, groups: channels);
        var smoothed = images.clone();
        smoothed[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(1, -1), TensorIndex.Slice(1, -1)] = inner;
        return smoothed;
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of each 8-bit pixel.</summary>
    private static Tensor Posterize(Tensor images, int bits)
    {
        double step = Math.Pow(2, 8 - bits);
        return images.mul(255).floor().div(step).floor().mul(step).div(255);
    }

    /// <summary>Stretches each image's channels to span [0, 1]; a constant channel is left as it is.</summary>
    private static Tensor AutoContrast(Tensor images)
    {
        var low = images.amin(new long[] { 2, 3 }, keepdim: true);
        var high = images.amax(new long[] { 2, 3 }, keepdim: true);
        var flat = high.eq(low);
        var scale = where(flat, ones_like(high), high.sub(low).reciprocal());
        var shift = where(flat, zeros_like(low), low);
        return images.sub(shift).mul(scale).clamp(0, 1);
    }

    /// <summary>
    /// Histogram equalisation of each image's channels on 256 levels, as PIL and torchvision do it: a look-up table
    /// from the cumulative histogram without its last occupied level; a channel whose step is 0 is left as it is.
    /// </summary>
    private static Tensor Equalize(Tensor images)
    {
        long batch = images.shape[0], channels = images.shape[1];
        var levels = images.mul(255).round().clamp(0, 255).to_type(ScalarType.Int64).view(batch * channels, -1);
        var histogram = zeros(batch * channels, 256, dtype: ScalarType.Int64, device: images.device)
            .scatter_add(1, levels, ones_like(levels));
        var lastLevel = where(histogram.gt(0), arange(256, device: images.device), tensor(0L, device: images.device)).amax(new long[] { 1 }, keepdim: true);
        var step = histogram.sum(1, keepdim: true).sub(histogram.gather(1, lastLevel)).div(255, rounding_mode: RoundingMode.floor);
        var safeStep = where(step.eq(0), ones_like(step), step);
        var table = histogram.cumsum(1).add(safeStep.div(2, rounding_mode: RoundingMode.floor)).div(safeStep, rounding_mode: RoundingMode.floor);
        table = cat(new[] { zeros(batch * channels, 1, dtype: ScalarType.Int64, device: images.device), table.narrow(1, 0, 255) }, 1).clamp(0, 255);
        var equalised = table.gather(1, levels).to_type(images.dtype).div(255).view_as(images);
        return where(step.eq(0).view(batch, channels, 1, 1), images, equalised);
    }

    /// <summary>Samples each image at its own affine map from output pixels to input pixels (centred pixel coordinates).</summary>
    private static Tensor Geometric(Tensor images, double[][] maps)
    {
        long n = images.shape[0], height = images.shape[2], width = images.shape[3];
        // affine_grid works in coordinates normalised to [-1, 1]: x · 2/width, y · 2/height.
        double sx = 2.0 / width, sy = 2.0 / height;
        var theta = maps.SelectMany(m => new[]
        {
            m[0], m[1] * sx / sy, m[2] * sx,
            m[3] * sy / sx, m[4], m[5] * sy,
        }).Select(v => (float)v).ToArray();
        var grid = nn.functional.affine_grid(tensor(theta, device: images.device).view(n, 2, 3).to_type(images.dtype), new[] { n, images.shape[1], height, width }, align_corners: false);
        return nn.functional.grid_sample(images, grid, mode: GridSampleMode.Nearest, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false);
    }

    // Each map takes an output pixel (x, y, 1) to the input pixel it shows: [a b tx; c d ty], row by row.
    private static double[] Shear(double x, double y) => new[] { 1, x, 0, y, 1, 0.0 };

    private static double[] Translate(double x, double y) => new[] { 1, 0, -x, 0, 1, -y };

    private static double[] Rotate(double angle) => new[] { Math.Cos(angle), -Math.Sin(angle), 0, Math.Sin(angle), Math.Cos(angle), 0.0 };
}
