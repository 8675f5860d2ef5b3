using System.Text.Json.Nodes;
using Forge.Abstractions.Parametrizations;
using Forge.Tests.Support;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Tests.Training;

/// <summary>Weight norms per role and Adam's effective learning rate in <c>metrics.jsonl</c>, against the live tensors.</summary>
public class RoleStatisticsTests
{
    private static (TestExperiment Test, JsonNode Last) Train(string optimizer)
    {
        var test = TestExperiment.Build(TestSpecs.Gpt(steps: 12, parametrization: "sp").With($"optimizer={optimizer}", "training.evalInterval=6"));
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "metrics.jsonl");
        Assert.Equal(RunStatus.Completed, test.Train(dir.Path).Status);
        var lines = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(new[] { 6, 12 }, lines.Where(l => l["weightNorms"] is not null).Select(l => l["step"]!.GetValue<int>())); // evaluation steps only
        return (test, lines.Last(l => l["step"]!.GetValue<int>() == 12));
    }

    [Fact]
    public void Weight_norms_are_each_roles_l2_norm_and_adams_effective_rate_is_the_mean_of_lr_over_root_v_hat()
    {
        var (test, last) = Train("{\"name\":\"adamw\",\"lr\":0.01,\"beta2\":0.95,\"eps\":1e-6}");
        using var _ = test;

        foreach (var role in new[] { ParameterRole.Embedding, ParameterRole.Hidden, ParameterRole.Bias, ParameterRole.NormGain })
        {
            var tensors = test.Experiment.Parameters.Where(p => p.Descriptor.Role == role).Select(p => p.Value.detach().to(float64)).ToList();
            double norm = Math.Sqrt(tensors.Sum(t => t.square().sum().item<double>()));
            var name = SpecJson.EnumName(role);
            Assert.Equal(norm, last["weightNorms"]![name]!.GetValue<double>(), norm * 1e-5);
        }

        // By hand from Adam's state: lr after the cosine schedule's last step, v̂ = v / (1 - 0.95^12).
        var helper = (TorchSharp.Modules.OptimizerHelper)test.Experiment.Optimizer;
        var states = OptimizerGroups.States(helper).ToDictionary(x => x.Parameter.Handle, x => x.State);
        double lr = helper.ParamGroups.First().LearningRate;
        double sum = 0, count = 0;
        foreach (var p in test.Experiment.Parameters.Where(p => p.Descriptor.Role == ParameterRole.Hidden))
        {
            var state = states[p.Value.Handle];
            var v = (Tensor)state.GetType().GetField("exp_avg_sq")!.GetValue(state)!;
            sum += (lr / ((v.to(float64) / (1 - Math.Pow(0.95, 12))).sqrt() + 1e-6)).sum().item<double>();
            count += v.numel();
        }
        double expected = sum / count;
        Assert.InRange(expected, 0.01 * 1e-3, 0.01 * 1e6); // not degenerate: lr/(|g|+eps) for gradients far above eps
        Assert.Equal(expected, last["adamEffectiveLr"]!["hidden"]!.GetValue<double>(), expected * 1e-4);
    }

    [Fact]
    public void Muons_matrices_have_no_adam_rate_but_the_rest_of_its_tensors_do()
    {
        var (test, last) = Train("{\"name\":\"muon\",\"lr\":0.02,\"adamLr\":0.003}");
        using var _ = test;

        var rates = last["adamEffectiveLr"]!.AsObject();
        Assert.Null(rates["hidden"]);
        Assert.NotNull(rates["embedding"]);
        Assert.True(last["weightNorms"]!["hidden"]!.GetValue<double>() > 0);
    }
}
