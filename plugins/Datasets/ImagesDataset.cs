using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// <c>images</c>: image classification from IDX files (MNIST, Fashion-MNIST), gzipped or not. The training files
/// give the training set; the held-out set is the test files, or a seeded <c>validationFraction</c> of the training
/// files. <c>trainFraction</c> keeps a seeded subset of the training images, the same for every trial (the subsets
/// come from <c>subsetSeed</c>, not the experiment's seed). Pixels become floats standardised by the training
/// subset's mean and standard deviation; inputs are flat, <c>[batch, channels·height·width]</c>, described by
/// <see cref="DataDescription.Image"/>. Training batches draw examples uniformly with replacement from the host's
/// generator (so a resumed run continues the same stream); held-out batches are the held-out images in order.
/// </summary>
[ForgePlugin<ImagesOptions>("images", Description = "Image classification from IDX files (MNIST, Fashion-MNIST)")]
public sealed class ImagesDataset : IDatasetPlugin, IDisposable
{
    /// <summary>The four files, by the names MNIST and Fashion-MNIST use (each may end in .gz).</summary>
    public const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte",
        TestImages = "t10k-images-idx3-ubyte", TestLabels = "t10k-labels-idx1-ubyte";

    private readonly Device _device;
    private readonly Tensor _trainImages; // [n, features] uint8, on the device
    private readonly Tensor _trainLabels; // [n] int64
    private readonly Tensor _heldOutImages;
    private readonly Tensor _heldOutLabels;
    private readonly float _mean, _std;
    private readonly ImageShape _shape;
    private readonly int _classes;
    private readonly ImageAugmentation _augmentation;

    public ImagesDataset(ImagesOptions options, IRunEnvironment environment)
    {
        var folder = environment.ResolvePath(options.Path);
        if (!Directory.Exists(folder))
            throw new PluginException($"data.path: the folder '{folder}' does not exist. For Fashion-MNIST install Debian's package (apt-get install dataset-fashion-mnist puts its four IDX files in {ImagesOptions.FashionMnistFolder}); " +
                $"otherwise point data.path at a folder with {TrainImages}, {TrainLabels}, {TestImages} and {TestLabels} (each may be gzipped, .gz). Relative paths are taken from the spec's folder ({environment.SpecDirectory}).");
        var (images, labels, shape) = ReadSplit(folder, TrainImages, TrainLabels, options.Classes);
        var order = Permutation(images.Length / shape.Features, options.SubsetSeed);
        int heldOut = (int)Math.Round(order.Length * options.ValidationFraction);
        int train = Math.Max(1, (int)Math.Ceiling((order.Length - heldOut) * options.TrainFraction));
        var trainIndices = order[heldOut..(heldOut + train)];

        _device = environment.Device;
        (_shape, _classes, _augmentation) = (shape, options.Classes, options.ResolvedAugmentation);
        (_trainImages, _trainLabels) = Select(images, labels, shape, trainIndices);
        if (heldOut > 0)
            (_heldOutImages, _heldOutLabels) = Select(images, labels, shape, order[..heldOut]);
        else
        {
            var (testImages, testLabels, testShape) = ReadSplit(folder, TestImages, TestLabels, options.Classes);
            if (testShape != shape)
                throw new PluginException($"data.path: the test images in '{folder}' are {testShape.Height}×{testShape.Width}, the training images {shape.Height}×{shape.Width}; use files of one dataset.");
            (_heldOutImages, _heldOutLabels) = Select(testImages, testLabels, shape, Enumerable.Range(0, testLabels.Length).ToArray());
        }
        using (NewDisposeScope())
        {
            var pixels = _trainImages.to_type(ScalarType.Float32).div(255f);
            _mean = pixels.mean().item<float>();
            _std = Math.Max(pixels.std().item<float>(), 1e-6f);
        }
        Description = new DataDescription(TaskKind.Classification, InputFeatures: shape.Features, VocabularySize: 0, Outputs: options.Classes, SequenceLength: 0)
        {
            Image = shape,
            TrainingExamples = train,
        };
    }

    /// <inheritdoc />
    public DataDescription Description { get; }

    /// <summary>Held-out examples (the test files, or the held-out fraction of the training files).</summary>
    public long HeldOutExamples => _heldOutLabels.shape[0];

    /// <inheritdoc />
    /// <remarks>Augmented when the options ask for it, every random decision from <paramref name="generator"/>; with mixup or cutmix the targets are class probabilities.</remarks>
    public Batch NextTrainingBatch(int batchSize, Generator generator)
    {
        using var scope = NewDisposeScope();
        var picks = randint(_trainLabels.shape[0], new long[] { batchSize }, generator: generator).to(_device);
        var (inputs, labels) = Standardised(_trainImages, _trainLabels, picks);
        if (!_augmentation.Active)
            return new Batch(inputs.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
        var (images, targets) = _augmentation.Apply(inputs.view(batchSize, _shape.Channels, _shape.Height, _shape.Width), labels, _classes, generator, _mean, _std);
        return new Batch(images.reshape(batchSize, _shape.Features).MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope())
        {
            ClassProbabilities = _augmentation.Mixes,
        };
    }

    /// <inheritdoc />
    /// <remarks>The held-out images in order, wrapping around when <paramref name="count"/> batches ask for more than there are.</remarks>
    public IEnumerable<Batch> EvaluationBatches(int batchSize, int count)
    {
        long n = _heldOutLabels.shape[0];
        for (int b = 0; b < count; b++)
        {
            using var scope = NewDisposeScope();
            var picks = arange(b * (long)batchSize, (b + 1) * (long)batchSize, device: _device).remainder(n);
            yield return Examples(_heldOutImages, _heldOutLabels, picks);
        }
    }

    private Batch Examples(Tensor images, Tensor labels, Tensor picks)
    {
        var (inputs, targets) = Standardised(images, labels, picks);
        return new Batch(inputs.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    /// <summary>The picked images as standardised floats (batch, features) and their labels, in the current dispose scope.</summary>
    private (Tensor Inputs, Tensor Labels) Standardised(Tensor images, Tensor labels, Tensor picks) =>
        (images.index_select(0, picks).to_type(ScalarType.Float32).div_(255f).sub_(_mean).div_(_std), labels.index_select(0, picks));

    /// <summary>Reads one split's image and label files and checks them against each other and the classes.</summary>
    private static (byte[] Images, byte[] Labels, ImageShape Shape) ReadSplit(string folder, string imagesName, string labelsName, int classes)
    {
        var imagesPath = Find(folder, imagesName);
        var labelsPath = Find(folder, labelsName);
        var images = IdxFile.Read(imagesPath, 3, "data.path");
        var labels = IdxFile.Read(labelsPath, 1, "data.path");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new PluginException($"data.path: '{imagesPath}' holds {images.Dimensions[0]:N0} images but '{labelsPath}' holds {labels.Dimensions[0]:N0} labels; the two files must be of the same split of one dataset.");
        int bad = Array.FindIndex(labels.Values, l => l >= classes);
        if (bad >= 0)
            throw new PluginException($"data.path: '{labelsPath}' has the label {labels.Values[bad]} at example {bad:N0}, outside the {classes} classes of data.classes (labels 0 to {classes - 1}); set data.classes to the dataset's number of classes.");
        return (images.Values, labels.Values, new ImageShape(1, images.Dimensions[1], images.Dimensions[2]));
    }

    private static string Find(string folder, string name)
    {
        foreach (var candidate in new[] { name, name + ".gz" })
            if (File.Exists(Path.Combine(folder, candidate)))
                return Path.Combine(folder, candidate);
        throw new PluginException($"data.path: '{folder}' has no {name} (nor {name}.gz). It must hold the four IDX files {TrainImages}, {TrainLabels}, {TestImages} and {TestLabels}; " +
            $"for Fashion-MNIST, apt-get install dataset-fashion-mnist puts them in {ImagesOptions.FashionMnistFolder}.");
    }

    /// <summary>A permutation of 0..n−1 drawn from <paramref name="seed"/>, the same on every machine.</summary>
    private static int[] Permutation(int n, long seed)
    {
        var order = Enumerable.Range(0, n).ToArray();
        new Random(unchecked((int)seed ^ (int)(seed >> 32))).Shuffle(order);
        return order;
    }

    private (Tensor Images, Tensor Labels) Select(byte[] images, byte[] labels, ImageShape shape, int[] indices)
    {
        using var scope = NewDisposeScope();
        var all = tensor(images, new long[] { labels.Length, shape.Features }, dtype: ScalarType.Byte);
        var picks = tensor(indices.Select(i => (long)i).ToArray());
        var selected = all.index_select(0, picks).to(_device);
        var selectedLabels = tensor(labels, dtype: ScalarType.Byte).index_select(0, picks).to_type(ScalarType.Int64).to(_device);
        return (selected.DetachFromDisposeScope(), selectedLabels.DetachFromDisposeScope());
    }

    public void Dispose()
    {
        _trainImages.Dispose();
        _trainLabels.Dispose();
        _heldOutImages.Dispose();
        _heldOutLabels.Dispose();
    }
}
