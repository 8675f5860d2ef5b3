using Forge.Abstractions.Ops;
using Forge.Abstractions.Precision;
using Forge.Abstractions.UnitScaling;
using static TorchSharp.torch;

namespace Forge.Tests.Models;

/// <summary>Stochastic depth (drop path): whole examples of a residual branch dropped in training, scaled so the branch keeps its size.</summary>
public class StochasticDepthTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Drop_path_drops_whole_examples_in_training_only_and_rescales_the_kept_ones(bool unitScaled)
    {
        ModelOps ops = unitScaled ? new UnitScaledOps(new FullPrecision()) : new ModelOps(new FullPrecision());
        using var branch = ones(64, 5, 8);

        manual_seed(3);
        using var trained = ops.DropPath(branch, 0.5, training: true);
        using var evaluated = ops.DropPath(branch, 0.5, training: false);

        float kept = unitScaled ? (float)(1 / Math.Sqrt(0.5)) : 2f; // unit-scaled: the RMS of a unit branch stays 1
        var perExample = Enumerable.Range(0, 64).Select(i => trained[i].flatten().data<float>().Distinct().ToArray()).ToList();
        Assert.All(perExample, values => Assert.Single(values)); // each example is kept or dropped whole
        Assert.All(perExample, values => Assert.True(values[0] == 0 || Math.Abs(values[0] - kept) < 1e-5, $"{values[0]}"));
        Assert.InRange(perExample.Count(v => v[0] == 0), 16, 48);
        Assert.True(evaluated.eq(branch).all().item<bool>());
    }
}
