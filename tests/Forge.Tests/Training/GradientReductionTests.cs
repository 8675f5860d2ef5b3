using Forge.Abstractions.Parametrizations;
using Forge.Core.Composition;
using Forge.Core.Training;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Training;

/// <summary>
/// The reduction each parametrization states (<see cref="GradientReduction"/>) is what its ops compute: the whole
/// batch's gradient of every tensor equals its parts' gradients summed and multiplied by the reduction's factor, for
/// 2 and 4 parts — the derivation data parallelism and gradient accumulation rely on, checked per tensor.
/// </summary>
public class GradientReductionTests
{
    [Theory]
    [InlineData("sp", 1.0)]
    [InlineData("mup", 1.0)]
    [InlineData("spectral", 1.0)]
    [InlineData("abc", 1.0)]
    [InlineData("umup", 0.5)]
    public void The_parts_gradients_reduced_by_the_rule_are_the_whole_batchs_for_every_gpt_tensor(string parametrization, double exponent)
    {
        var spec = TestSpecs.Gpt(32, 2, parametrization).With("training.batchSize=8", "model.positions=learned");
        if (parametrization == "abc")
            spec = spec.With("parametrization.preset=mup");
        using var test = TestExperiment.Build(spec);
        Assert.All(test.Experiment.Reductions, r => Assert.Equal(exponent, r.PartsExponent));
        foreach (int parts in new[] { 2, 4 })
            AssertReducedEqualsWhole(test.Experiment, parts);
    }

    [Theory]
    [InlineData("mup")]
    [InlineData("umup")]
    public void So_does_an_mlp_on_regression_with_its_mean_squared_error(string parametrization)
    {
        var spec = TestSpecs.SyntheticRegression(2).With($"parametrization={{\"name\":\"{parametrization}\"}}", "training.batchSize=8");
        if (parametrization == "umup")
            spec = spec.With("optimizer.weightDecay=0");
        using var test = TestExperiment.Build(spec);
        AssertReducedEqualsWhole(test.Experiment, 4);
    }

    [Fact]
    public void The_wrong_reduction_would_be_caught()
    {
        // u-μP's gradients taken as a mean (what a DDP-style average would do) are off by √P: the check above can fail.
        using var test = TestExperiment.Build(TestSpecs.Gpt(32, 2, "umup").With("training.batchSize=8"));
        var (whole, reduced) = WholeAndReduced(test.Experiment, 4, GradientReduction.Mean);
        double ratio = whole.Zip(reduced).Select(p => p.First.norm().item<float>() / p.Second.norm().item<float>()).Average();
        Assert.Equal(2.0, ratio, 3); // √4
        foreach (var t in whole.Concat(reduced))
            t.Dispose();
    }

    private static void AssertReducedEqualsWhole(Experiment experiment, int parts)
    {
        var (whole, reduced) = WholeAndReduced(experiment, parts, null);
        for (int i = 0; i < whole.Count; i++)
        {
            double error = (whole[i] - reduced[i]).norm().item<float>() / Math.Max(whole[i].norm().item<float>(), 1e-12);
            Assert.True(error < 1e-5, $"{experiment.Parameters[i].Descriptor.Name}: the reduced gradient of {parts} parts is {error:E2} (relative) from the whole batch's");
        }
        foreach (var t in whole.Concat(reduced))
            t.Dispose();
    }

    /// <summary>Every tensor's gradient on one batch, and its parts' gradients summed and reduced (by the rule's reduction, or <paramref name="instead"/>).</summary>
    private static (List<Tensor> Whole, List<Tensor> Reduced) WholeAndReduced(Experiment experiment, int parts, GradientReduction? instead)
    {
        using var generator = DataStreams.Training(experiment.Spec.Experiment.Seed);
        using var batch = experiment.Dataset.NextTrainingBatch(experiment.Spec.Experiment.Training.BatchSize, generator);
        var whole = Gradients(experiment, new[] { batch });
        var sum = Gradients(experiment, BatchParts.Of(batch, 0, 1, parts));
        var reduced = sum.Select((g, i) =>
        {
            var reduction = instead ?? experiment.Reductions[i];
            using var s = g;
            return s.mul(reduction.Factor(parts));
        }).ToList();
        return (whole, reduced);
    }

    /// <summary>The gradients accumulated over <paramref name="parts"/>' backward passes (the model in training mode, as the step runs it).</summary>
    private static List<Tensor> Gradients(Experiment experiment, IReadOnlyList<Forge.Abstractions.Data.Batch> parts)
    {
        experiment.Optimizer.zero_grad();
        foreach (var part in parts)
        {
            using var scope = NewDisposeScope();
            LossFunction.Compute(experiment, experiment.Model.call(part.Inputs), part.Targets).backward();
        }
        return experiment.Parameters.Select(p => p.Value.grad!.detach().clone()).ToList();
    }
}
