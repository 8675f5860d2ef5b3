using System.Text.Json.Nodes;
using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;
using Forge.Core.Composition;
using Forge.Plugins.Datasets;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Data;

/// <summary>The images dataset on tiny IDX files made here: the format (plain and gzipped), splits, subsets, and bad files.</summary>
public class ImagesDatasetTests
{
    private const int Rows = 4, Columns = 3, Pixels = Rows * Columns;

    /// <summary>Image i has every pixel equal to i (mod 256) and the label i mod <paramref name="classes"/>, so a batch says which images it holds.</summary>
    private static string Folder(TempDirectory dir, int train = 20, int test = 6, int classes = 10, bool gzip = false, string name = "idx")
    {
        var folder = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(folder);
        void Split(string images, string labels, int n, int offset)
        {
            var pixels = Enumerable.Range(0, n).SelectMany(i => Enumerable.Repeat((byte)(offset + i), Pixels)).ToArray();
            var classOf = Enumerable.Range(0, n).Select(i => (byte)((offset + i) % classes)).ToArray();
            string Suffix(string f) => gzip ? f + ".gz" : f;
            IdxFile.Write(Path.Combine(folder, Suffix(images)), new[] { n, Rows, Columns }, pixels, gzip);
            IdxFile.Write(Path.Combine(folder, Suffix(labels)), new[] { n }, classOf, gzip);
        }
        Split(ImagesDataset.TrainImages, ImagesDataset.TrainLabels, train, 0);
        Split(ImagesDataset.TestImages, ImagesDataset.TestLabels, test, 100);
        return folder;
    }

    private static RunEnvironment Environment(TempDirectory dir) => new(1, CPU, dir.Path, 1);

    /// <summary>The image indices of a batch, read back from its standardised pixels through the labels' offsets.</summary>
    private static long[] Labels(Batch batch) => batch.Targets.data<long>().ToArray();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_plain_and_gzipped_files_describes_the_images_and_evaluates_on_the_test_split_in_order(bool gzip)
    {
        using var dir = new TempDirectory();
        using var data = new ImagesDataset(new ImagesOptions { Path = Folder(dir, gzip: gzip), Classes = 10 }, Environment(dir));

        Assert.Equal(TaskKind.Classification, data.Description.Task);
        Assert.Equal(new ImageShape(1, Rows, Columns), data.Description.Image);
        Assert.Equal(Pixels, data.Description.InputFeatures);
        Assert.Equal(10, data.Description.Outputs);
        Assert.Equal(20, data.Description.TrainingExamples);
        Assert.Equal(6, data.HeldOutExamples);
        var batches = data.EvaluationBatches(4, 2).ToList();
        Assert.Equal(new long[] { 0, 1, 2, 3 }, Labels(batches[0])); // test images 100..105 have labels 0..5
        Assert.Equal(new long[] { 4, 5, 0, 1 }, Labels(batches[1])); // in order, wrapping around
        Assert.Equal(new long[] { 4, Pixels }, batches[0].Inputs.shape);
        // Standardised by the training images' statistics: pixel values 0..19 of 255.
        var trainPixels = Enumerable.Range(0, 20).SelectMany(i => Enumerable.Repeat(i / 255.0, Pixels)).ToArray();
        double mean = trainPixels.Average(), std = Math.Sqrt(trainPixels.Sum(p => (p - mean) * (p - mean)) / (trainPixels.Length - 1));
        Assert.Equal((100 / 255.0 - mean) / std, batches[0].Inputs[0, 0].item<float>(), 3);
        batches.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Training_batches_come_from_the_generator_so_the_same_seed_gives_the_same_batches()
    {
        using var dir = new TempDirectory();
        using var data = new ImagesDataset(new ImagesOptions { Path = Folder(dir) }, Environment(dir));
        using var first = new Generator(7);
        using var second = new Generator(7);

        using var a = data.NextTrainingBatch(16, first);
        using var b = data.NextTrainingBatch(16, second);

        Assert.Equal(Labels(a), Labels(b));
        Assert.True(a.Inputs.eq(b.Inputs).all().item<bool>());
        Assert.True(Labels(a).Distinct().Count() > 1);
    }

    [Fact]
    public void A_validation_fraction_holds_out_training_images_and_a_train_fraction_keeps_a_seeded_subset_the_same_for_every_experiment_seed()
    {
        using var dir = new TempDirectory();
        var folder = Folder(dir, train: 40, classes: 40); // label = image index, so a label names the image
        var options = new ImagesOptions { Path = folder, Classes = 40, ValidationFraction = 0.25, TrainFraction = 0.5, SubsetSeed = 3 };
        using var data = new ImagesDataset(options, Environment(dir));
        using var again = new ImagesDataset(options, new RunEnvironment(99, CPU, dir.Path, 1)); // another experiment seed

        Assert.Equal(15, data.Description.TrainingExamples); // 40 − 10 held out, half of the 30 kept
        Assert.Equal(10, data.HeldOutExamples);
        var heldOut = data.EvaluationBatches(10, 1).Single();
        var held = Labels(heldOut).ToHashSet();
        Assert.Equal(10, held.Count);
        Assert.Equal(held, Labels(again.EvaluationBatches(10, 1).Single()).ToHashSet());
        using var generator = new Generator(1);
        var trained = Enumerable.Range(0, 20).SelectMany(_ => { using var b = data.NextTrainingBatch(8, generator); return Labels(b); }).ToHashSet();
        Assert.Equal(15, trained.Count); // 160 draws cover the 15 kept images and nothing else
        Assert.Empty(trained.Intersect(held));
        using var generatorAgain = new Generator(1);
        var trainedAgain = Enumerable.Range(0, 20).SelectMany(_ => { using var b = again.NextTrainingBatch(8, generatorAgain); return Labels(b); }).ToHashSet();
        Assert.Equal(trained, trainedAgain);
        heldOut.Dispose();
    }

    public static TheoryData<string, string> BadFolders => new()
    {
        { "magic", "magic number 2049" },
        { "counts", "holds 20 images but" },
        { "truncated", "is truncated: its header declares [20, 4, 3] = 240 values, but only 100 bytes follow" },
        { "label", "has the label 5 at example 5, outside the 5 classes of data.classes" },
        { "missing", "has no t10k-labels-idx1-ubyte (nor t10k-labels-idx1-ubyte.gz)" },
        { "folder", "apt-get install dataset-fashion-mnist" },
    };

    [Theory]
    [MemberData(nameof(BadFolders))]
    public void A_bad_file_is_refused_naming_the_file_and_what_is_wrong(string problem, string message)
    {
        using var dir = new TempDirectory();
        var folder = Folder(dir, classes: problem == "label" ? 10 : 5);
        var trainImages = Path.Combine(folder, ImagesDataset.TrainImages);
        var trainLabels = Path.Combine(folder, ImagesDataset.TrainLabels);
        switch (problem)
        {
            case "magic":
                File.Copy(trainLabels, trainImages, overwrite: true);
                break;
            case "counts":
                IdxFile.Write(trainLabels, new[] { 19 }, new byte[19]);
                break;
            case "truncated":
                File.WriteAllBytes(trainImages, File.ReadAllBytes(trainImages)[..(16 + 100)]);
                break;
            case "missing":
                File.Delete(Path.Combine(folder, ImagesDataset.TestLabels));
                break;
            case "folder":
                folder = Path.Combine(dir.Path, "nowhere");
                break;
        }

        var e = Assert.Throws<PluginException>(() => new ImagesDataset(new ImagesOptions { Path = folder, Classes = 5 }, Environment(dir)));

        Assert.Contains(message, e.Message);
        Assert.StartsWith("data.path: ", e.Message);
        if (problem is not ("missing" or "folder"))
            Assert.Contains(problem == "label" || problem == "counts" ? trainLabels : trainImages, e.Message);
    }

    [Fact]
    public async Task A_train_fraction_that_leaves_fewer_examples_than_one_batch_is_a_setup_error_naming_the_fields()
    {
        using var dir = new TempDirectory();
        var folder = Folder(dir);
        var spec = new JsonObject
        {
            ["name"] = "tiny-images", ["seed"] = 1, ["device"] = "cpu",
            ["model"] = new JsonObject { ["name"] = "mlp", ["width"] = 8 },
            ["data"] = new JsonObject { ["name"] = "images", ["path"] = folder, ["trainFraction"] = 0.2 },
            ["optimizer"] = new JsonObject { ["name"] = "adamw", ["lr"] = 0.001 },
            ["training"] = new JsonObject { ["steps"] = 2, ["batchSize"] = 8 },
        };
        var path = dir.File("spec.json", spec.ToJsonString());

        var result = await CliRunner.RunAsync("run", path, "--runs", Path.Combine(dir.Path, "runs"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"the images dataset at {folder} has 4 training example(s)", result.Error);
        Assert.Contains("fewer than one batch of training.batchSize = 8; raise data.trainFraction", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
    }
}
