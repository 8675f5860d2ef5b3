using System.Text.Json.Nodes;
using Forge.Core.Specs;
using Forge.Sweeps;

namespace Forge.Tests.Sweeps;

public class SweepPlanTests
{
    private static SweepParameter Values(params object[] values) => new() { Values = new JsonArray(values.Select(v => JsonValue.Create(v)).ToArray<JsonNode?>()) };

    [Fact]
    public void A_grid_is_the_cartesian_product_in_the_order_written_with_log2_values()
    {
        var sweep = new SweepOptions
        {
            Parameters = new()
            {
                ["optimizer.lr"] = new SweepParameter { Log2Min = -6, Log2Max = -2, Log2Step = 2 },
                ["model.width"] = Values(32, 64),
            },
        };

        var trials = SweepPlan.Expand(sweep, 0.01, 32);

        Assert.Equal(6, trials.Count);
        Assert.Equal(new[] { "optimizer.lr=0.015625", "model.width=32" }, trials[0].Overrides);
        Assert.Equal(new[] { "optimizer.lr=0.015625", "model.width=64" }, trials[1].Overrides);
        Assert.Equal(new[] { "optimizer.lr=0.25", "model.width=64" }, trials[5].Overrides);
        Assert.Equal(new[] { "trial-000", "trial-005" }, new[] { trials[0].Id, trials[5].Id });
    }

    [Fact]
    public void Random_search_draws_the_asked_number_of_trials_reproducibly_within_the_ranges()
    {
        var sweep = new SweepOptions
        {
            Method = SweepMethod.Random, Trials = 50, Seed = 4,
            Parameters = new() { ["optimizer.lr"] = new SweepParameter { Log2Min = -10, Log2Max = -5 }, ["seed"] = Values(1, 2, 3) },
        };

        var a = SweepPlan.Expand(sweep, 0.01, 32);
        var b = SweepPlan.Expand(sweep, 0.01, 32);

        Assert.Equal(50, a.Count);
        Assert.Equal(a.SelectMany(t => t.Overrides), b.SelectMany(t => t.Overrides));
        var lrs = a.Select(t => double.Parse(t.Overrides[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.All(lrs, lr => Assert.InRange(Math.Log2(lr), -10, -5));
        Assert.True(lrs.Distinct().Count() > 40);
        Assert.Equal(new[] { "seed=1", "seed=2", "seed=3" }, a.Select(t => t.Overrides[1]).Distinct().Order());
    }

    [Theory]
    [InlineData(TemperatureRule.Linear, 64, 0.2)]
    [InlineData(TemperatureRule.Linear, 16, 0.05)]
    [InlineData(TemperatureRule.Sqrt, 128, 0.2)]
    public void A_temperature_rule_sets_the_learning_rate_from_the_batch_size(TemperatureRule rule, int batch, double expectedLr)
    {
        var sweep = new SweepOptions
        {
            Parameters = new() { ["training.batchSize"] = Values(batch) },
            Temperature = new TemperatureOptions { Rule = rule, ReferenceBatchSize = 32 },
        };

        var trial = Assert.Single(SweepPlan.Expand(sweep, 0.1, 32));

        Assert.Equal($"training.batchSize={batch}", trial.Overrides[0]);
        Assert.Equal(expectedLr, double.Parse(trial.Overrides[1]["optimizer.lr=".Length..], System.Globalization.CultureInfo.InvariantCulture), 12);
    }

    [Fact]
    public void Keeping_samples_scales_the_steps_and_a_trial_can_choose_its_own_rule()
    {
        var sweep = new SweepOptions
        {
            Parameters = new() { ["training.batchSize"] = Values(16, 128), ["sweep.temperature.rule"] = Values("linear", "none") },
            Temperature = new TemperatureOptions { ReferenceBatchSize = 32, KeepSamples = true },
        };

        var trials = SweepPlan.Expand(sweep, 0.1, 32, baseSteps: 400);

        Assert.Equal(new[] { "training.batchSize=16", "sweep.temperature.rule=\"linear\"", "optimizer.lr=0.05", "training.steps=800" }, trials[0].Overrides);
        Assert.Equal(new[] { "training.batchSize=16", "sweep.temperature.rule=\"none\"", "training.steps=800" }, trials[1].Overrides);
        Assert.Equal(new[] { "training.batchSize=128", "sweep.temperature.rule=\"linear\"", "optimizer.lr=0.4", "training.steps=100" }, trials[2].Overrides);
    }

    [Fact]
    public void Transfer_picks_the_setting_with_the_lowest_mean_over_seeds_and_leaves_width_and_seed_to_the_target()
    {
        TrialResult Trial(string id, double lr, int seed, double? loss, bool diverged = false) => new(
            id, TrialState.Done, new Dictionary<string, string> { ["optimizer.lr"] = lr.ToString(System.Globalization.CultureInfo.InvariantCulture), ["seed"] = $"{seed}", ["model.width"] = "64" },
            lr, loss, loss, loss, loss, loss, diverged, 1.0, Array.Empty<(int, double)>());
        var results = new[]
        {
            Trial("a1", 0.01, 1, 1.0), Trial("a2", 0.01, 2, 1.4),   // mean 1.2
            Trial("b1", 0.02, 1, 0.9), Trial("b2", 0.02, 2, 1.3),   // mean 1.1 <- best
            Trial("c1", 0.04, 1, 0.5), Trial("c2", 0.04, 2, null, diverged: true), // one seed diverged: not eligible
        };

        var choice = TransferSelection.Choose(results, SweepMetric.FinalEvalLoss)!;

        Assert.Equal(new[] { "optimizer.lr=0.02" }, choice.Overrides);
        Assert.Equal(1.1, choice.Metric, 12);
        Assert.Equal(new[] { "b1", "b2" }, choice.Trials);
    }
}
