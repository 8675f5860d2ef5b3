using Forge.Abstractions.Optimizers;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Forge.Core.Runs;
using Forge.Core.Training;

namespace Forge.Tests.Optimizers;

public class LionTests
{
    [Fact]
    public void Two_steps_match_the_papers_algorithm_computed_by_hand()
    {
        var weight = new Parameter(tensor(new[] { 1f, -2f, 0.5f }));
        using var optimizer = new LionOptimizer(new LionOptions { Lr = 0.1, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = 0.5 })
            .Create(new[] { new ParameterGroup(new[] { weight }, 1, 1, 1) });
        double[] w = { 1, -2, 0.5 }, m = new double[3];
        var gradients = new[] { new[] { 0.3f, -0.1f, 0f }, new[] { -0.01f, 0.2f, 0.4f } };
        foreach (var g in gradients)
        {
            weight.grad = tensor(g);
            optimizer.step();
            for (int i = 0; i < 3; i++)
            {
                double c = 0.9 * m[i] + 0.1 * g[i];  // update direction: interpolation of momentum and gradient
                w[i] = w[i] * (1 - 0.1 * 0.5) - 0.1 * Math.Sign(c);
                m[i] = 0.99 * m[i] + 0.01 * g[i];    // momentum with the other beta
            }
        }
        // Second step, first coordinate: c = 0.9·0.003 − 0.001 > 0 though the gradient is negative: momentum decides.
        Assert.All(w.Zip(weight.detach().data<float>().ToArray()), p => Assert.Equal(p.First, p.Second, 5));
    }

    [Fact]
    public void Lion_trains_the_small_gpt_by_name()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(steps: 60, parametrization: "sp").With("optimizer={\"name\":\"lion\",\"lr\":0.001,\"weightDecay\":0.1}"));
        float before = test.LossOnFirstBatch();

        using var dir = new TempDirectory();
        Assert.Equal(RunStatus.Completed, test.Train(dir.Path).Status);

        Assert.IsType<Lion>(test.Experiment.Optimizer);
        Assert.True(test.LossOnFirstBatch() < before - 1.0, $"loss {before} -> {test.LossOnFirstBatch()}");
    }
}
