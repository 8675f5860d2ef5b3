using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// The augmentation of one training batch of images, every random decision drawn from the run's data generator
/// (checkpointed, so a resumed run augments exactly as the uninterrupted one): random crops after zero padding,
/// horizontal flips, RandAugment (<see cref="Datasets.RandAugment"/>), and mixup (Zhang et al. 2018) or CutMix (Yun et
/// al. 2019) with mixed labels, in that order. Images are standardised already, so the padding's zeros are the mean
/// pixel. TorchVision.NET's transforms are not used: they take no generator and decide once for a whole batch (one
/// crop, one flip, one magnitude per call), where these decide per image from the run's stream.
/// </summary>
/// <param name="CropPadding">Pixels of zero padding on every side before a random crop of the original size; 0 is off.</param>
/// <param name="Flip">Whether half the images are flipped left to right.</param>
/// <param name="Mixup">Mixup's α (λ ~ Beta(α, α)); 0 is off.</param>
/// <param name="Cutmix">CutMix's α; 0 is off. With both, each batch takes one of the two, even odds.</param>
/// <param name="RandAugment">RandAugment's operations per image and magnitude; null or 0 operations is off.</param>
public sealed record ImageAugmentation(int CropPadding, bool Flip, double Mixup, double Cutmix, RandAugment? RandAugment = null)
{
    /// <summary>Whether it changes anything.</summary>
    public bool Active => CropPadding > 0 || Flip || Mixup > 0 || Cutmix > 0 || RandAugments;

    /// <summary>Whether RandAugment runs.</summary>
    public bool RandAugments => RandAugment is { Ops: > 0 };

    /// <summary>Whether the labels become class probabilities (mixup or cutmix).</summary>
    public bool Mixes => Mixup > 0 || Cutmix > 0;

    /// <summary>
    /// Augments <paramref name="images"/> (batch, channels, height, width) with labels <paramref name="labels"/>
    /// (batch) of <paramref name="classes"/> classes; returns the images and the targets: the labels themselves, or
    /// class probabilities (batch, classes) when it mixes. Pixels are standardised: a pixel in [0, 1] is
    /// value · <paramref name="pixelStd"/> + <paramref name="pixelMean"/>, the scale RandAugment works on.
    /// </summary>
    public (Tensor Images, Tensor Targets) Apply(Tensor images, Tensor labels, int classes, Generator generator, float pixelMean = 0f, float pixelStd = 1f)
    {
        long batch = images.shape[0], height = images.shape[2], width = images.shape[3];
        var device = images.device;
        if (CropPadding > 0)
        {
            int p = CropPadding;
            var padded = nn.functional.pad(images, new long[] { p, p, p, p });
            var offsets = randint(2 * p + 1, new long[] { batch, 2 }, generator: generator);
            var rows = offsets.select(1, 0).data<long>().ToArray();
            var columns = offsets.select(1, 1).data<long>().ToArray();
            images = stack(Enumerable.Range(0, (int)batch).Select(i => padded[i].narrow(1, rows[i], height).narrow(2, columns[i], width)));
        }
        if (Flip)
        {
            var flipped = (rand(new long[] { batch }, generator: generator) < 0.5).to(device).view(batch, 1, 1, 1);
            images = where(flipped, images.flip(3), images);
        }
        if (RandAugments)
            images = RandAugment!.Apply(images.mul(pixelStd).add(pixelMean).clamp(0, 1), generator).sub(pixelMean).div(pixelStd);
        if (!Mixes)
            return (images, labels);

        var random = new Random((int)(randint(int.MaxValue, new long[] { 1 }, generator: generator).item<long>()));
        bool cutmix = Cutmix > 0 && (Mixup <= 0 || random.NextDouble() < 0.5);
        double lambda = Beta(random, cutmix ? Cutmix : Mixup);
        var partner = randperm(batch, generator: generator).to(device);
        var oneHot = nn.functional.one_hot(labels, classes).to_type(images.dtype);
        if (cutmix)
        {
            // A box of about (1 − λ) of the area, centred anywhere, clipped to the image; λ becomes the share left.
            long boxHeight = (long)(height * Math.Sqrt(1 - lambda)), boxWidth = (long)(width * Math.Sqrt(1 - lambda));
            long centreRow = random.NextInt64(height), centreColumn = random.NextInt64(width);
            long top = Math.Clamp(centreRow - boxHeight / 2, 0, height), bottom = Math.Clamp(centreRow + boxHeight / 2, 0, height);
            long left = Math.Clamp(centreColumn - boxWidth / 2, 0, width), right = Math.Clamp(centreColumn + boxWidth / 2, 0, width);
            var mask = zeros(new long[] { 1, 1, height, width }, dtype: ScalarType.Bool, device: device);
            if (bottom > top && right > left)
                mask[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(top, bottom), TensorIndex.Slice(left, right)] = tensor(true);
            images = where(mask, images.index_select(0, partner), images);
            lambda = 1 - (double)((bottom - top) * (right - left)) / (height * width);
        }
        else
            images = images.mul(lambda).add(images.index_select(0, partner).mul(1 - lambda));
        return (images, oneHot.mul(lambda).add(oneHot.index_select(0, partner).mul(1 - lambda)));
    }

    /// <summary>A draw of Beta(α, α), as X / (X + Y) of two Gamma(α) draws (Marsaglia and Tsang's method).</summary>
    private static double Beta(Random random, double alpha)
    {
        double x = Gamma(random, alpha), y = Gamma(random, alpha);
        return x + y > 0 ? x / (x + y) : 0.5;
    }

    private static double Gamma(Random random, double shape)
    {
        if (shape < 1)
            return Gamma(random, shape + 1) * Math.Pow(random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            }
            while (v <= 0);
            v = v * v * v;
            double u = random.NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v)))
                return d * v;
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
