using System.Text.Json.Nodes;
using Forge.Core.Composition;
using Forge.Plugins.Datasets;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Data;

/// <summary>The images dataset's augmentation: presets and knobs, crops, flips, mixup and cutmix, from the run's generator, resumed bit for bit.</summary>
public class ImageAugmentationTests
{
    [Theory]
    [InlineData(AugmentationLevel.None, 0, false, 0, 0, 0)]
    [InlineData(AugmentationLevel.Light, 2, true, 0, 0, 0)]
    [InlineData(AugmentationLevel.Medium, 2, true, 0.2, 0, 0)]
    [InlineData(AugmentationLevel.Strong, 4, true, 0.4, 1.0, 2)]
    public void Presets_give_their_values_and_each_knob_given_replaces_its_own(AugmentationLevel level, int padding, bool flip, double mixup, double cutmix, int randAugmentOps)
    {
        var randAugment = randAugmentOps > 0 ? new RandAugment(randAugmentOps, 9) : null;
        Assert.Equal(new ImageAugmentation(padding, flip, mixup, cutmix, randAugment), new ImagesOptions { Augmentation = level }.ResolvedAugmentation);
        Assert.Equal(new ImageAugmentation(padding, false, mixup, 0.5, randAugment), new ImagesOptions { Augmentation = level, Flip = false, Cutmix = 0.5 }.ResolvedAugmentation);
        Assert.Equal(new ImageAugmentation(padding, flip, mixup, cutmix, new RandAugment(1, 9)), new ImagesOptions { Augmentation = level, RandAugmentOps = 1 }.ResolvedAugmentation);
        Assert.Equal(new ImageAugmentation(padding, flip, mixup, cutmix, new RandAugment(3, 20)), new ImagesOptions { Augmentation = level, RandAugmentOps = 3, RandAugmentMagnitude = 20 }.ResolvedAugmentation);
        Assert.Equal(new ImageAugmentation(padding, flip, mixup, cutmix), new ImagesOptions { Augmentation = level, RandAugmentOps = 0 }.ResolvedAugmentation);
    }

    /// <summary>Constant images (image i has every pixel i + 1) with label i mod 4.</summary>
    private static (Tensor Images, Tensor Labels) Constant(int batch = 8, int side = 6)
    {
        var images = arange(1, batch + 1, dtype: ScalarType.Float32).view(batch, 1, 1, 1).expand(batch, 1, side, side).contiguous();
        return (images, arange(batch, dtype: ScalarType.Int64).remainder(4));
    }

    [Fact]
    public void A_crop_moves_each_image_by_its_own_offset_filling_with_zeros_and_the_same_generator_gives_the_same_crops()
    {
        var (images, labels) = Constant();
        var crop = new ImageAugmentation(2, false, 0, 0);

        var (cropped, targets) = crop.Apply(images, labels, 4, new Generator(5));
        var (again, _) = crop.Apply(images, labels, 4, new Generator(5));

        Assert.Same(labels, targets);
        Assert.True(cropped.eq(again).all().item<bool>());
        Assert.Equal(images.shape, cropped.shape);
        for (int i = 0; i < 8; i++)
        {
            var values = cropped[i].flatten().data<float>().Distinct().Order().ToArray();
            Assert.All(values, v => Assert.Contains(v, new[] { 0f, i + 1f })); // the image's own pixels, or the padding's zeros
        }
        Assert.True(cropped.eq(0).any().item<bool>(), "some image moved (offsets of 0 to 4 pixels)");
    }

    [Fact]
    public void A_flip_mirrors_some_images_and_leaves_the_others()
    {
        var images = arange(3 * 4, dtype: ScalarType.Float32).view(1, 1, 3, 4).expand(16, 1, 3, 4).contiguous();
        var (flipped, _) = new ImageAugmentation(0, true, 0, 0).Apply(images, zeros(16, dtype: ScalarType.Int64), 4, new Generator(2));

        var mirrored = Enumerable.Range(0, 16).Count(i => flipped[i].eq(images[i].flip(2)).all().item<bool>());
        var kept = Enumerable.Range(0, 16).Count(i => flipped[i].eq(images[i]).all().item<bool>());
        Assert.Equal(16, mirrored + kept);
        Assert.InRange(mirrored, 1, 15);
    }

    [Theory]
    [InlineData(0.4, 0)]
    [InlineData(0, 1.0)]
    public void Mixup_and_cutmix_mix_images_and_labels_by_the_same_share(double mixup, double cutmix)
    {
        var (images, labels) = Constant();
        var (mixed, targets) = new ImageAugmentation(0, false, mixup, cutmix).Apply(images, labels, 4, new Generator(9));

        Assert.Equal(new long[] { 8, 4 }, targets.shape);
        Assert.True((targets.sum(1) - 1).abs().max().item<float>() < 1e-5f, "each row is a distribution");
        for (int i = 0; i < 8; i++)
        {
            // Image i (every pixel i + 1) becomes λ of itself and 1 − λ of a partner j, pixel for pixel (mixup) or by area
            // (cutmix), so its mean pixel is λ(i + 1) + (1 − λ)(j + 1); its label row must give the same λ to label i mod 4.
            var row = targets[i].data<float>().ToArray();
            double mean = mixed[i].mean().item<float>();
            bool explained = Enumerable.Range(0, 8).Any(j =>
            {
                double lambda = j == i ? 1 : (mean - (j + 1)) / (i - j);
                if (lambda < -1e-4 || lambda > 1 + 1e-4)
                    return false;
                var expected = new double[4];
                expected[i % 4] += lambda;
                expected[j % 4] += 1 - lambda;
                return (j != i || Math.Abs(mean - (i + 1)) < 1e-4) && Enumerable.Range(0, 4).All(c => Math.Abs(expected[c] - row[c]) < 1e-4);
            });
            Assert.True(explained, $"image {i}: mean pixel {mean}, labels [{string.Join(", ", row)}]");
        }
        Assert.Contains(Enumerable.Range(0, 8), i => targets[i].max().item<float>() < 1 - 1e-6); // some labels are mixed
    }

    private static JsonObject Spec(TempDirectory dir, string augmentation) => new()
    {
        ["name"] = "test-augment", ["seed"] = 4, ["device"] = "cpu", ["threads"] = 1,
        ["model"] = new JsonObject { ["name"] = "vit", ["width"] = 32, ["depth"] = 1, ["headDim"] = 8, ["patchSize"] = 4, ["residualDropout"] = 0.1 },
        ["data"] = new JsonObject { ["name"] = "images", ["path"] = TinyImages.Folder(dir), ["classes"] = 4, ["augmentation"] = augmentation },
        ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 0.003, ["weightDecay"] = 0.0 },
        ["training"] = new JsonObject { ["steps"] = 12, ["batchSize"] = 16, ["evalInterval"] = 6, ["evalBatches"] = 2, ["logInterval"] = 1 },
        ["checkpoint"] = new JsonObject { ["interval"] = 0 },
    };

    [Theory]
    [InlineData("light")]
    [InlineData("strong")]
    public void Augmented_training_resumes_bit_for_bit(string level)
    {
        using var dir = new TempDirectory();
        var (wholeFolder, partsFolder) = InterruptedRun.Train(Spec(dir, level), dir, stopAt: 5);

        double[] Losses(string folder) => File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToArray();
        Assert.Equal(Losses(wholeFolder), Losses(partsFolder));
        Assert.All(Losses(wholeFolder), l => Assert.True(double.IsFinite(l)));
    }

    [Fact]
    public void The_dataset_mixes_training_batches_only_and_marks_their_targets_as_class_probabilities()
    {
        using var dir = new TempDirectory();
        using var data = new ImagesDataset(new ImagesOptions { Path = TinyImages.Folder(dir), Classes = 4, Augmentation = AugmentationLevel.Medium }, new RunEnvironment(1, CPU, dir.Path, 1));
        using var generator = new Generator(3);

        using var train = data.NextTrainingBatch(16, generator);
        using var held = data.EvaluationBatches(16, 1).Single();

        Assert.True(train.ClassProbabilities);
        Assert.Equal(new long[] { 16, 4 }, train.Targets.shape);
        Assert.Equal(16, train.Predictions);
        Assert.False(held.ClassProbabilities);
        Assert.Equal(new long[] { 16 }, held.Targets.shape);
    }
}
