using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>Augmentation presets of the <c>images</c> dataset; each knob given on its own overrides its preset's value.</summary>
public enum AugmentationLevel
{
    /// <summary>The training images as they are.</summary>
    None,
    /// <summary>Random crops after 2 pixels of zero padding, and horizontal flips.</summary>
    Light,
    /// <summary>Light, and mixup with α = 0.2.</summary>
    Medium,
    /// <summary>Crops after 4 pixels of padding, flips, RandAugment (2 operations at magnitude 9), and mixup (α = 0.4) or cutmix (α = 1), one of the two per batch.</summary>
    Strong,
}

/// <summary>Options of the <c>images</c> dataset.</summary>
public sealed class ImagesOptions
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts the four IDX files.</summary>
    public const string FashionMnistFolder = "/usr/share/datasets/fashion-mnist";

    [Description("Folder of the four IDX files (MNIST's names: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each gzipped or not); a relative path is taken from the spec file's folder. Debian's dataset-fashion-mnist package installs Fashion-MNIST in /usr/share/datasets/fashion-mnist.")]
    [Required]
    [SpecPath]
    public string Path { get; set; } = FashionMnistFolder;

    [Description("Number of classes; every label must be below it.")]
    [Range(2, 1 << 16)]
    public int Classes { get; set; } = 10;

    [Description("0: evaluate on the test files (t10k-*). Above 0: hold out this fraction of the training files instead (a seeded choice, fixed by subsetSeed) and leave the test files unread.")]
    [Range(0.0, 0.5)]
    public double ValidationFraction { get; set; }

    [Description("Train on this fraction of the training images (after the held-out fraction is taken): a seeded subset, fixed by subsetSeed, so every trial of a sweep trains on the same examples.")]
    [Range(0.0, 1.0, MinimumIsExclusive = true)]
    public double TrainFraction { get; set; } = 1.0;

    [Description("Seed of the held-out and training subsets; independent of the experiment's seed, so trials with different seeds see the same data.")]
    public long SubsetSeed { get; set; }

    [Description("Augmentation of the training batches (never of the held-out ones): none, light (crops after 2 pixels of padding, flips), medium (light and mixup 0.2) or strong (crops after 4 pixels, flips, RandAugment with 2 operations at magnitude 9, and mixup 0.4 or cutmix 1 per batch). cropPadding, flip, randAugmentOps, randAugmentMagnitude, mixup and cutmix override the preset's values.")]
    public AugmentationLevel Augmentation { get; set; } = AugmentationLevel.None;

    [Description("Random crops: pad each image with this many pixels of zeros on every side, then cut a window of its own size at a random offset (0 = off). Default: the preset's.")]
    [Range(0, 64)]
    public int? CropPadding { get; set; }

    [Description("Flip half the images left to right. Default: the preset's.")]
    public bool? Flip { get; set; }

    [Description("RandAugment (Cubuk et al. 2020), torchvision's fourteen operations and ranges: each image takes this many operations in turn, each chosen at random (0 = off). Default: the preset's (2 in strong).")]
    [Range(0, 14)]
    public int? RandAugmentOps { get; set; }

    [Description("RandAugment's magnitude on torchvision's scale, 0 to 30 (shear up to 0.3, translation up to 45 % of the side, rotation up to 30°, brightness, color, contrast and sharpness factors 1 ± 0.9, posterize down to 4 bits, solarize from threshold 1 down to 0, each at magnitude/30 of its range). Default: the preset's (9 in strong; 9 whenever randAugmentOps is given alone).")]
    [Range(0, RandAugment.MaxMagnitude)]
    public int? RandAugmentMagnitude { get; set; }

    [Description("Mixup (Zhang et al. 2018): each image and its labels mixed with another's of the batch, in a proportion λ ~ Beta(α, α); this is α (0 = off). Default: the preset's.")]
    [Range(0.0, 100.0)]
    public double? Mixup { get; set; }

    [Description("CutMix (Yun et al. 2019): a box of another image of the batch pasted in, the labels mixed by its area, λ ~ Beta(α, α); this is α (0 = off). With mixup too, each batch takes one of the two. Default: the preset's.")]
    [Range(0.0, 100.0)]
    public double? Cutmix { get; set; }

    /// <summary>The augmentation these options ask for: the preset's values, each knob given replacing its own.</summary>
    public ImageAugmentation ResolvedAugmentation
    {
        get
        {
            var preset = Augmentation switch
            {
                AugmentationLevel.Light => new ImageAugmentation(2, true, 0, 0),
                AugmentationLevel.Medium => new ImageAugmentation(2, true, 0.2, 0),
                AugmentationLevel.Strong => new ImageAugmentation(4, true, 0.4, 1.0, new RandAugment(2, 9)),
                _ => new ImageAugmentation(0, false, 0, 0),
            };
            int ops = RandAugmentOps ?? preset.RandAugment?.Ops ?? 0;
            var randAugment = ops > 0 ? new RandAugment(ops, RandAugmentMagnitude ?? preset.RandAugment?.Magnitude ?? 9) : null;
            return new ImageAugmentation(CropPadding ?? preset.CropPadding, Flip ?? preset.Flip, Mixup ?? preset.Mixup, Cutmix ?? preset.Cutmix, randAugment);
        }
    }
}
