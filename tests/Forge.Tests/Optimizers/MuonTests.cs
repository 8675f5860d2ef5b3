using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Plugins.Optimizers;
using Forge.Tests.Support;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Forge.Core.Inspection;
using Forge.Core.Training;

namespace Forge.Tests.Optimizers;

public class MuonTests
{
    private static ParameterGroup Group(Parameter parameter, ParameterRole role, double lrFactor = 1) =>
        new(new[] { parameter }, lrFactor, 1, 1)
        {
            Descriptors = new[] { new ParameterDescriptor("p", role, parameter.shape, Dimension.Width(parameter.shape[0]), Dimension.Width(parameter.dim() == 2 ? parameter.shape[1] : 1)) },
        };

    /// <summary>The quintic Newton–Schulz map applied to one singular value, five times, after scaling by the Frobenius norm.</summary>
    private static double NewtonSchulz(double s, double frobenius)
    {
        double x = s / (frobenius + 1e-7);
        for (int i = 0; i < 5; i++)
            x = 3.4445 * x - 4.7750 * x * x * x + 2.0315 * x * x * x * x * x;
        return x;
    }

    [Fact]
    public void A_hidden_matrix_takes_the_hand_computed_first_step()
    {
        // g = U·diag(3, 1)·Vᵀ with orthonormal U (3×2) and V (2×2): Muon's first step acts on each singular value alone.
        double c = Math.Cos(0.3), s = Math.Sin(0.3);
        var u = tensor(new double[,] { { 1, 0 }, { 0, c }, { 0, s } }).to(ScalarType.Float32);
        var v = tensor(new double[,] { { c, -s }, { s, c } }).to(ScalarType.Float32);
        var gradient = u.matmul(diag(tensor(new float[] { 3, 1 }))).matmul(v.t());
        var weight = new Parameter(ones(3, 2));
        using var optimizer = new MuonOptimizer(new MuonOptions { Lr = 0.1, Momentum = 0.9, Nesterov = true, WeightDecay = 0.5 })
            .Create(new[] { Group(weight, ParameterRole.Hidden) });
        weight.grad = gradient.clone();

        optimizer.step();

        // Nesterov on an empty buffer: u = g + 0.9·g = 1.9·g, singular values 5.7 and 1.9, Frobenius norm 1.9·√10.
        double frobenius = 1.9 * Math.Sqrt(10);
        var orthogonal = u.matmul(diag(tensor(new[] { (float)NewtonSchulz(5.7, frobenius), (float)NewtonSchulz(1.9, frobenius) }))).matmul(v.t());
        var expected = ones(3, 2) * (1 - 0.1 * 0.5) - orthogonal * (0.1 * Math.Sqrt(3.0 / 2.0));
        Assert.True(weight.detach().allclose(expected, rtol: 0, atol: 1e-5), $"got {weight.detach().ToString(TorchSharp.TensorStringStyle.Numpy)}, expected {expected.ToString(TorchSharp.TensorStringStyle.Numpy)}");
    }

    [Fact]
    public void The_update_of_a_hidden_matrix_has_singular_values_near_the_spectral_target()
    {
        manual_seed(4);
        var weight = new Parameter(zeros(128, 32));
        using var optimizer = new MuonOptimizer(new MuonOptions { Lr = 0.05 }).Create(new[] { Group(weight, ParameterRole.Hidden) });
        weight.grad = randn(128, 32);

        optimizer.step();

        // The spectral condition's target for a 32 → 128 matrix: ‖ΔW‖₂ = lr·sqrt(fan_out/fan_in) = 0.05·2.
        var singular = linalg.svdvals(weight.detach()) / (0.05 * 2);
        Assert.InRange(singular.max().item<float>(), 0.9, 1.25);
        Assert.InRange(singular.min().item<float>(), 0.6, 1.0); // five quintic steps leave every value in about [0.7, 1.2]
    }

    [Fact]
    public void Everything_but_hidden_matrices_is_updated_exactly_as_torch_AdamW_does()
    {
        manual_seed(5);
        var bias = new Parameter(randn(6));
        var reference = new Parameter(bias.detach().clone());
        using var muon = new MuonOptimizer(new MuonOptions { AdamLr = 0.01, AdamBeta1 = 0.8, AdamBeta2 = 0.9, AdamEps = 1e-6, WeightDecay = 0.1 })
            .Create(new[] { Group(bias, ParameterRole.Bias, lrFactor: 2) });
        using var adamW = optim.AdamW(new[] { reference }, lr: 0.02, beta1: 0.8, beta2: 0.9, eps: 1e-6, weight_decay: 0.1);
        for (int step = 0; step < 4; step++)
        {
            var gradient = randn(6);
            bias.grad = gradient.clone();
            reference.grad = gradient.clone();
            muon.step();
            adamW.step();
        }
        Assert.True(bias.detach().allclose(reference.detach(), rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void A_gpt_trains_with_muon_on_its_hidden_matrices_and_adamw_on_the_rest()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(steps: 60, parametrization: "sp").With(
            "optimizer={\"name\":\"muon\",\"lr\":0.02,\"adamLr\":0.003}"));
        var helper = (OptimizerHelper)test.Experiment.Optimizer;
        float before = test.LossOnFirstBatch();

        using var dir = new TempDirectory();
        Assert.Equal(RunStatus.Completed, test.Train(dir.Path).Status);

        var byKind = test.Experiment.Parameters.GroupBy(p => p.Descriptor.Role == ParameterRole.Hidden).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byKind[true] > 0 && byKind[false] > 0);
        Assert.Equal(byKind[true], helper.state_dict().State.Count(s => s is Muon.MatrixState));
        Assert.Equal(byKind[false], helper.state_dict().State.Count(s => s is Muon.AdamState));
        Assert.True(test.LossOnFirstBatch() < before - 1.0, $"loss {before} -> {test.LossOnFirstBatch()}");
    }

    [Fact]
    public void Inspect_shows_muons_learning_rate_for_hidden_matrices_and_adamws_for_the_rest_with_their_weight_decay()
    {
        using var test = TestExperiment.Build(TestSpecs.Gpt(steps: 10, parametrization: "sp").With(
            "optimizer={\"name\":\"muon\",\"lr\":0.02,\"adamLr\":0.003,\"weightDecay\":0.1}"));

        var rows = InspectionReport.From(test.Experiment).Rows;

        Assert.All(rows.Where(r => r.Role == nameof(ParameterRole.Hidden)), r => Assert.Equal((0.02, 0.1), (r.LearningRate, r.WeightDecay)));
        Assert.All(rows.Where(r => r.Role is nameof(ParameterRole.Embedding) or nameof(ParameterRole.Output)), r => Assert.Equal((0.003, 0.1), (r.LearningRate, r.WeightDecay)));
        Assert.All(rows.Where(r => r.Role is nameof(ParameterRole.Bias) or nameof(ParameterRole.NormGain)), r => Assert.Equal((0.003, 0.0), (r.LearningRate, r.WeightDecay))); // not decayed by default
    }

    [Fact]
    public void Its_state_round_trips_through_TorchSharps_own_state_dict_file()
    {
        manual_seed(6);
        var weight = new Parameter(randn(8, 4));
        var bias = new Parameter(randn(8));
        using var optimizer = new MuonOptimizer(new MuonOptions()).Create(new[] { Group(weight, ParameterRole.Hidden), Group(bias, ParameterRole.Bias) });
        weight.grad = randn(8, 4);
        bias.grad = randn(8);
        optimizer.step();
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "state.bin");
        ((OptimizerHelper)optimizer).save_state_dict(path);

        var fresh = (OptimizerHelper)new MuonOptimizer(new MuonOptions()).Create(new[] { Group(new Parameter(zeros(8, 4)), ParameterRole.Hidden), Group(new Parameter(zeros(8)), ParameterRole.Bias) });
        fresh.load_state_dict(path);

        var saved = ((OptimizerHelper)optimizer).state_dict().State;
        var loaded = fresh.state_dict().State;
        Assert.Equal(2, loaded.Count);
        Assert.All(saved.Zip(loaded), pair => Assert.True(pair.First.ApproximatelyEquals(pair.Second)));
        var adam = (Muon.AdamState)loaded[1];
        Assert.Equal(1, adam.Step);
        Assert.True(adam.ExpAvgSq.allclose(((Muon.AdamState)saved[1]).ExpAvgSq));
        Assert.True(adam.ExpAvgSq.abs().sum().item<float>() > 0); // loaded, not left at zero
        fresh.Dispose();
    }
}
