using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

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
}
