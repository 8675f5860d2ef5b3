namespace Forge.Tests.Support;

/// <summary>
/// A fact that is skipped, saying why, unless Debian's Fashion-MNIST is installed (the four IDX files in
/// /usr/share/datasets/fashion-mnist). .ci/run installs the dataset-fashion-mnist package when it runs as root.
/// </summary>
public sealed class RequiresFashionMnistFactAttribute : FactAttribute
{
    public const string Folder = "/usr/share/datasets/fashion-mnist";

    public RequiresFashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(Folder, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST is not installed (no IDX files in {Folder}); .ci/run installs it (apt-get install dataset-fashion-mnist) when it runs as root.";
    }
}

/// <summary>A theory skipped, saying why, unless Debian's Fashion-MNIST is installed (as <see cref="RequiresFashionMnistFactAttribute"/>).</summary>
public sealed class RequiresFashionMnistTheoryAttribute : TheoryAttribute
{
    public RequiresFashionMnistTheoryAttribute()
    {
        Skip = new RequiresFashionMnistFactAttribute().Skip;
    }
}
