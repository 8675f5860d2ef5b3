using Forge.Plugins.Datasets;

namespace Forge.Tests.Support;

/// <summary>
/// A small, learnable image classification set in the IDX files the images dataset reads: grey images whose class
/// is the quadrant holding a bright square, on seeded noise, so a model that learns gets well above chance in a few
/// steps.
/// </summary>
public static class TinyImages
{
    /// <summary>Writes the four IDX files (<paramref name="train"/> and <paramref name="test"/> images of <paramref name="side"/>² pixels, 4 classes) into a new folder of <paramref name="dir"/>.</summary>
    public static string Folder(TempDirectory dir, int side = 8, int train = 256, int test = 64, string name = "tiny-images")
    {
        var folder = Path.Combine(dir.Path, name);
        Directory.CreateDirectory(folder);
        var random = new Random(11);
        void Split(string images, string labels, int n)
        {
            var pixels = new byte[n * side * side];
            var classes = new byte[n];
            for (int i = 0; i < n; i++)
            {
                int label = random.Next(4), half = side / 2;
                classes[i] = (byte)label;
                for (int r = 0; r < side; r++)
                    for (int c = 0; c < side; c++)
                    {
                        bool lit = r / half == label / 2 && c / half == label % 2;
                        pixels[(i * side + r) * side + c] = (byte)Math.Clamp((lit ? 160 : 40) + random.Next(-40, 41), 0, 255);
                    }
            }
            IdxFile.Write(Path.Combine(folder, images), new[] { n, side, side }, pixels);
            IdxFile.Write(Path.Combine(folder, labels), new[] { n }, classes);
        }
        Split(ImagesDataset.TrainImages, ImagesDataset.TrainLabels, train);
        Split(ImagesDataset.TestImages, ImagesDataset.TestLabels, test);
        return folder;
    }
}
