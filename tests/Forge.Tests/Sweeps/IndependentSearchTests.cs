using System.Text.Json.Nodes;
using Forge.Core.Errors;
using Forge.Core.Specs;
using Forge.Sweeps;
using Forge.Tests.Support;

namespace Forge.Tests.Sweeps;

/// <summary>u-μP's independent search planned stage by stage from made-up results.</summary>
public class IndependentSearchTests
{
    private static SweepOptions Sweep() => new()
    {
        Method = SweepMethod.Independent,
        Metric = SweepMetric.FinalEvalLoss,
        Parameters = new()
        {
            ["optimizer.lr"] = new SweepParameter { Log2Min = -3, Log2Max = -1 },
            ["parametrization.outputMultiplier"] = new SweepParameter { Values = new JsonArray(0.5, 2) },
            ["parametrization.attnMultiplier"] = new SweepParameter { Values = new JsonArray(1, 4, 8) },
        },
    };

    private static TrialResult Result(TrialRecord t, double? loss) => new(t.Id, t.State, t.Overrides.Select(o => o.Split('=', 2)).ToDictionary(p => p[0], p => p[1]),
        null, loss, loss, loss, loss, loss, false, 1, Array.Empty<(int, double)>(), t.Stage);

    /// <summary>Finishes <paramref name="stage"/> with the given losses (null: failed) and returns the results so far.</summary>
    private static List<TrialResult> Finish(List<TrialRecord> trials, List<TrialResult> results, IReadOnlyList<TrialRecord> stage, params double?[] losses)
    {
        for (int i = 0; i < stage.Count; i++)
        {
            stage[i].State = losses[i] is null ? TrialState.Failed : TrialState.Done;
            trials.Add(stage[i]);
            results.Add(Result(stage[i], losses[i]));
        }
        return results;
    }

    [Fact]
    public void Four_stages_each_start_from_the_winners_of_the_last()
    {
        var sweep = Sweep();
        var trials = new List<TrialRecord>();
        var results = new List<TrialResult>();

        var lr = IndependentSearch.FirstStage(sweep);
        Assert.Equal(new[] { "optimizer.lr=0.125", "optimizer.lr=0.25", "optimizer.lr=0.5" }, lr.Select(t => Assert.Single(t.Overrides)));
        Assert.All(lr, t => Assert.Equal("lr", t.Stage));
        Finish(trials, results, lr, 2.0, 1.5, null); // the largest rate diverged

        var each = IndependentSearch.NextStage(sweep, trials, results, seed: 7);
        Assert.Equal(5, each.Count); // 2 output multipliers + 3 attention multipliers, one parameter at a time
        Assert.All(each, t => Assert.Equal(new[] { "optimizer.lr=0.25" }, t.Overrides.Take(1)));
        Assert.Equal(new[] { "trial-003", "trial-004", "trial-005", "trial-006", "trial-007" }, each.Select(t => t.Id));
        Assert.Equal("parametrization.attnMultiplier=8", each[4].Overrides[1]);
        Finish(trials, results, each, 1.4, 1.6, 1.7, 1.3, 1.45);

        var combined = Assert.Single(IndependentSearch.NextStage(sweep, trials, results, seed: 7));
        Assert.Equal("combined", combined.Stage);
        Assert.Equal(new[] { "optimizer.lr=0.25", "parametrization.outputMultiplier=0.5", "parametrization.attnMultiplier=4" }, combined.Overrides);
        Finish(trials, results, new[] { combined }, 1.2);

        var confirm = Assert.Single(IndependentSearch.NextStage(sweep, trials, results, seed: 7));
        Assert.Equal("confirm", confirm.Stage);
        Assert.Equal(combined.Overrides.Append("seed=8"), confirm.Overrides);
        Finish(trials, results, new[] { confirm }, 1.25);

        Assert.Empty(IndependentSearch.NextStage(sweep, trials, results, seed: 7)); // complete
        var winners = IndependentSearch.StageWinners(results, sweep);
        Assert.Equal(new[] { ("lr", "optimizer.lr", "trial-001"), ("each", "parametrization.outputMultiplier", "trial-003"), ("each", "parametrization.attnMultiplier", "trial-006"),
            ("combined", "", "trial-008"), ("confirm", "", "trial-009") }, winners.Select(w => (w.Stage, w.Parameter, w.Winner.Id)));
    }

    [Fact]
    public void Failed_trials_of_an_earlier_stage_are_settled_and_not_run_again()
    {
        var sweep = Sweep();
        var trials = new List<TrialRecord>();
        var results = Finish(trials, new List<TrialResult>(), IndependentSearch.FirstStage(sweep), 2.0, 1.5, null);
        var state = new SweepState { SpecPath = "s.json", SpecSha256 = "", Overrides = Array.Empty<string>(), CreatedAt = DateTimeOffset.UnixEpoch, Trials = trials };
        Assert.Equal(new[] { "trial-002" }, state.Unsettled.Select(t => t.Id)); // within its stage, a failed trial runs again on resume

        trials.AddRange(IndependentSearch.NextStage(sweep, trials, results, seed: 1));

        Assert.Equal(new[] { "trial-003", "trial-004", "trial-005", "trial-006", "trial-007" }, state.Unsettled.Select(t => t.Id));
    }

    [Fact]
    public void With_the_learning_rate_alone_the_search_confirms_its_best_at_the_next_seed()
    {
        var sweep = Sweep();
        sweep.Parameters.Remove("parametrization.outputMultiplier");
        sweep.Parameters.Remove("parametrization.attnMultiplier");
        var trials = new List<TrialRecord>();
        var results = Finish(trials, new List<TrialResult>(), IndependentSearch.FirstStage(sweep), 2.0, 1.5, 1.8);

        var confirm = Assert.Single(IndependentSearch.NextStage(sweep, trials, results, seed: 1));

        Assert.Equal("confirm", confirm.Stage);
        Assert.Equal(new[] { "optimizer.lr=0.25", "seed=2" }, confirm.Overrides);
    }

    [Fact]
    public void A_stage_without_a_finished_trial_stops_the_search_with_a_clear_error()
    {
        var sweep = Sweep();
        var trials = new List<TrialRecord>();
        var results = Finish(trials, new List<TrialResult>(), IndependentSearch.FirstStage(sweep), null, null, double.NaN);

        var e = Assert.Throws<RunSetupException>(() => IndependentSearch.NextStage(sweep, trials, results, seed: 1));

        Assert.Contains("no trial of stage 'lr' finished with a finite finalEvalLoss", e.Message);
        Assert.Contains("trial-000 failed", e.Message);
    }

    [Theory]
    [InlineData("{\"method\":\"independent\",\"parameters\":{\"model.width\":{\"values\":[16,32]}}}", "add \"optimizer.lr\"")]
    [InlineData("{\"method\":\"independent\",\"parameters\":{\"optimizer.lr\":{\"values\":[0.1]},\"seed\":{\"values\":[1,2]}}}", "does not sweep seed")]
    [InlineData("{\"method\":\"independent\",\"parameters\":{\"optimizer.lr\":{\"values\":[0.1]}},\"temperature\":{\"rule\":\"linear\"}}", "does not take a temperature rule")]
    public async Task Bad_independent_sweeps_are_spec_errors(string section, string expected)
    {
        using var dir = new TempDirectory();
        var path = dir.File("s.json", TestSpecs.SyntheticRegression().With($"sweep={section}").ToJsonString());

        var e = await Assert.ThrowsAsync<SpecException>(() => new Forge.Core.Composition.SpecLoader(Forge.Core.Plugins.PluginCatalog.BuiltIn()).LoadAsync(path, Array.Empty<string>()));

        Assert.Contains(e.Problems, p => p.Path.StartsWith("sweep", StringComparison.Ordinal) && p.Message.Contains(expected, StringComparison.Ordinal));
    }
}
