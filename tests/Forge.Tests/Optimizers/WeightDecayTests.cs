using Forge.Abstractions.Optimizers;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Forge.Core.Errors;
using Forge.Core.Inspection;

namespace Forge.Tests.Optimizers;

/// <summary>Weight-decay modes of the built-in optimizers against hand-computed steps, and the role filter.</summary>
public class WeightDecayTests
{
    private static readonly float[] Start = { 1f, -2f, 0.5f };

    /// <summary>One step of <paramref name="optimizer"/> on w = <see cref="Start"/> with gradient <paramref name="gradient"/>, in one group with the given factors.</summary>
    private static float[] OneStep(IOptimizerPlugin optimizer, float[] gradient, double lrFactor = 1, double wdFactor = 1)
    {
        var weight = new Parameter(tensor(Start));
        using var torchOptimizer = optimizer.Create(new[] { new ParameterGroup(new[] { weight }, lrFactor, wdFactor, 1) });
        weight.grad = tensor(gradient);
        torchOptimizer.step();
        return weight.detach().data<float>().ToArray();
    }

    private static void Near(IEnumerable<double> expected, float[] actual) =>
        Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second, 5));

    [Fact]
    public void Adamw_decays_decoupled_by_lr_times_lambda_independent_by_lambda_and_coupled_through_the_gradient()
    {
        var zero = new float[3];
        AdamWOptions Options(WeightDecayMode mode) => new() { Lr = 0.1, WeightDecay = 0.5, WeightDecayMode = mode };

        // A zero gradient leaves Adam's update at 0/(0 + eps) = 0, so only the decay moves the weights.
        Near(Start.Select(w => w * (1 - 0.1 * 0.5)), OneStep(new AdamWOptimizer(Options(WeightDecayMode.Decoupled)), zero));
        Near(Start.Select(w => w * (1 - 0.5)), OneStep(new AdamWOptimizer(Options(WeightDecayMode.Independent)), zero));
        // Independent decay ignores the learning rate, the tensor's factor included, but keeps the decay factor.
        Near(Start.Select(w => w * (1 - 0.5 * 0.4)), OneStep(new AdamWOptimizer(Options(WeightDecayMode.Independent)), zero, lrFactor: 1, wdFactor: 0.4));
        // Coupled: the gradient becomes lambda*w, and Adam's first step is lr * g/|g| (bias-corrected moments).
        Near(Start.Select(w => w - 0.1 * Math.Sign(w)), OneStep(new AdamWOptimizer(Options(WeightDecayMode.Coupled)), zero));
        // A zero factor (a role that does not decay) turns every mode off.
        foreach (var mode in Enum.GetValues<WeightDecayMode>())
            Near(Start.Select(w => (double)w), OneStep(new AdamWOptimizer(Options(mode)), zero, wdFactor: 0));
    }

    [Fact]
    public void Sgd_decays_coupled_through_momentum_and_decoupled_or_independent_on_the_weights()
    {
        var gradient = new[] { 0.2f, 0.4f, -0.6f };
        SgdOptions Options(WeightDecayMode mode) => new() { Lr = 0.1, Momentum = 0.9, WeightDecay = 0.5, WeightDecayMode = mode };

        Near(Start.Zip(gradient, (w, g) => w - 0.1 * (g + 0.5 * w)), OneStep(new SgdOptimizer(Options(WeightDecayMode.Coupled)), gradient));
        Near(Start.Zip(gradient, (w, g) => w * (1 - 0.1 * 0.5) - 0.1 * g), OneStep(new SgdOptimizer(Options(WeightDecayMode.Decoupled)), gradient));
        Near(Start.Zip(gradient, (w, g) => w * (1 - 0.5) - 0.1 * g), OneStep(new SgdOptimizer(Options(WeightDecayMode.Independent)), gradient));
    }

    [Fact]
    public void Decoupled_sgd_follows_the_schedules_learning_rate_and_keeps_its_momentum_over_steps()
    {
        var weight = new Parameter(tensor(Start));
        using var optimizer = new SgdOptimizer(new SgdOptions { Lr = 0.1, Momentum = 0.9, WeightDecay = 0.5, WeightDecayMode = WeightDecayMode.Decoupled })
            .Create(new[] { new ParameterGroup(new[] { weight }, 2, 1, 1) });
        var g = new[] { 0.2f, 0.4f, -0.6f };
        var expected = Start.Select(w => (double)w).ToArray();
        var buffer = new double[3];
        foreach (double lr in new[] { 0.2, 0.05 }) // the group rate 0.1 × factor 2, then a schedule at a quarter of it
        {
            optimizer.ParamGroups.First().LearningRate = lr;
            weight.grad = tensor(g);
            optimizer.step();
            for (int i = 0; i < 3; i++)
            {
                buffer[i] = buffer[i] == 0 ? g[i] : 0.9 * buffer[i] + g[i];
                expected[i] = expected[i] * (1 - lr * 0.5) - lr * buffer[i];
            }
        }
        Near(expected, weight.detach().data<float>().ToArray());
    }

    [Fact]
    public void By_default_matrices_decay_and_biases_and_norms_do_not_and_the_roles_can_be_chosen()
    {
        static Dictionary<string, ParameterRow> Rows(params string[] overrides)
        {
            using var test = TestExperiment.Build(TestSpecs.Gpt(32, parametrization: "sp").With("optimizer={\"name\":\"adamw\",\"lr\":0.01,\"weightDecay\":0.1}").With(overrides));
            return InspectionReport.From(test.Experiment).Rows.ToDictionary(r => r.Name);
        }

        var standard = Rows();
        var chosen = Rows("training.weightDecayRoles=[\"hidden\",\"normGain\"]");

        Assert.All(standard.Values, r => Assert.Equal(r.Role is "Bias" or "NormGain" or "NormBias" ? 0.0 : 0.1, r.WeightDecay));
        Assert.Contains(standard.Values, r => r.Role == "Bias");
        Assert.Contains(standard.Values, r => r.Role == "Embedding");
        Assert.All(chosen.Values, r => Assert.Equal(r.Role is "Hidden" or "NormGain" ? 0.1 : 0.0, r.WeightDecay));
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("lion")]
    [InlineData("muon")]
    public void Independent_decay_under_mup_removes_lambda_per_step_from_every_decayed_tensor_at_any_width(string optimizer)
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(128).With("parametrization={\"name\":\"mup\",\"baseWidth\":32}",
            $"optimizer={{\"name\":\"{optimizer}\",\"lr\":0.004,\"weightDecay\":0.1,\"weightDecayMode\":\"independent\"}}"));
        var rows = InspectionReport.From(test.Experiment).Rows;

        // The step multiplies a weight by 1 - (group lr) * (group decay); independent decay makes that 1 - lambda.
        Assert.Contains(rows, r => r.LearningRate < 0.004); // muP's width scaling is in force (hidden matrices at 1/m)
        Assert.All(rows.Where(r => r.WeightDecay != 0), r => Assert.Equal(0.1, r.LearningRate * r.WeightDecay, 10));
    }

    [Fact]
    public void Coupled_decay_is_refused_for_sign_and_orthogonalised_updates_naming_the_field()
    {
        foreach (var optimizer in new[] { "lion", "muon" })
        {
            var problems = Assert.Throws<SpecException>(() => TestExperiment.Build(TestSpecs.Gpt(32)
                .With($"optimizer={{\"name\":\"{optimizer}\",\"weightDecayMode\":\"coupled\"}}")));
            Assert.Contains("optimizer.weightDecayMode", problems.Message);
            Assert.Contains("\"decoupled\" or \"independent\"", problems.Message);
        }
    }
}
