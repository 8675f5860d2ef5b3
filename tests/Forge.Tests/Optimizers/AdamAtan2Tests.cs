using Forge.Abstractions.Optimizers;
using Forge.Core.Checkpoints;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Forge.Tests.Optimizers;

/// <summary>adamw's atan2 option: Adam-atan2 (Everett et al. 2024) against its formula, its scale invariance, and a run.</summary>
public class AdamAtan2Tests
{
    private static optim.Optimizer Create(Parameter parameter, double lr, double weightDecay = 0, WeightDecayMode mode = WeightDecayMode.Decoupled) =>
        new AdamWOptimizer(new AdamWOptions { Lr = lr, Beta1 = 0.9, Beta2 = 0.99, WeightDecay = weightDecay, WeightDecayMode = mode, Atan2 = true })
            .Create(new[] { new ParameterGroup(new[] { parameter }, 1, 1, 1) });

    [Fact]
    public void Two_steps_follow_the_formula()
    {
        var weight = new Parameter(tensor(new float[] { 1, -2, 3 }));
        using var optimizer = Create(weight, lr: 0.1, weightDecay: 0.5);
        var g1 = tensor(new float[] { 0.5f, -1e-9f, 0 });
        var g2 = tensor(new float[] { -0.25f, 2e-9f, 4 });
        double[] w = { 1, -2, 3 };
        double[] m = new double[3], v = new double[3];
        int t = 0;
        foreach (var g in new[] { g1, g2 })
        {
            weight.grad = g.clone();
            optimizer.step();
            t++;
            var gs = g.data<float>().ToArray();
            for (int i = 0; i < 3; i++)
            {
                w[i] *= 1 - 0.1 * 0.5;
                m[i] = 0.9 * m[i] + 0.1 * gs[i];
                v[i] = 0.99 * v[i] + 0.01 * gs[i] * gs[i];
                w[i] -= 0.1 * 1.27 * Math.Atan2(m[i] / (1 - Math.Pow(0.9, t)), Math.Sqrt(v[i] / (1 - Math.Pow(0.99, t))));
            }
        }
        var actual = weight.detach().data<float>().ToArray();
        for (int i = 0; i < 3; i++)
            Assert.Equal(w[i], actual[i], 5);
        // a tiny gradient (1e-9) moves its weight as far as a large one: no ε to swamp it
        Assert.True(Math.Abs(actual[1] - (-2 * 0.95 * 0.95)) > 0.05);
    }

    [Fact]
    public void Rescaling_the_gradient_does_not_change_the_step()
    {
        manual_seed(3);
        var gradients = Enumerable.Range(0, 3).Select(_ => randn(16)).ToList();
        float[] Trained(double scale)
        {
            var weight = new Parameter(ones(16));
            using var optimizer = Create(weight, lr: 0.01);
            foreach (var g in gradients)
            {
                weight.grad = g * scale;
                optimizer.step();
            }
            return weight.detach().data<float>().ToArray();
        }

        var plain = Trained(1);
        var tiny = Trained(1e-12);
        for (int i = 0; i < plain.Length; i++)
            Assert.Equal(plain[i], tiny[i], 5);
    }

    [Fact]
    public void A_gpt_trains_with_it_and_its_moments_are_checkpointed()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(steps: 40).With("optimizer.atan2=true", "optimizer.lr=0.003"));
        float before = test.LossOnFirstBatch();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, new CheckpointOptions { Interval = 40, KeepLast = 1 });

        Assert.Equal(RunStatus.Completed, test.Train(Path.Combine(dir.Path, "run"), checkpoints: store).Status);

        Assert.True(test.LossOnFirstBatch() < before - 0.5, $"loss {before} -> {test.LossOnFirstBatch()}");
        Assert.IsType<AdamAtan2>(test.Experiment.Optimizer);
        using var checkpoint = CheckpointStore.Load(Path.Combine(store.Root, "step-00000040"));
        Assert.Contains(checkpoint.Optimizer.Keys, k => k.EndsWith(".ExpAvgSq", StringComparison.Ordinal));
    }
}
