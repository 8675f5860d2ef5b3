using Forge.Core.Specs;
using Forge.Sweeps;

namespace Forge.Tests.Sweeps;

/// <summary>ASHA's decisions on simulated trials: who is promoted, when, and what the budget allows.</summary>
public class SuccessiveHalvingTests
{
    private static SweepOptions Options(int eta = 3, int minSteps = 10, long maxSteps = 0, int maxTrials = 0) =>
        new() { Method = SweepMethod.Halving, Halving = new HalvingOptions { MinSteps = minSteps, Eta = eta }, MaxSteps = maxSteps, MaxTrials = maxTrials };

    private static List<TrialRecord> Configurations(SuccessiveHalving halving, int count)
    {
        var trials = Enumerable.Range(0, count).Select(i => new TrialRecord { Id = $"trial-{i:D3}", Overrides = new[] { $"optimizer.lr={i}" } }).ToList();
        trials.ForEach(halving.Start);
        return trials;
    }

    /// <summary>Runs the schedule with one worker to the end; a trial's metric at every rung is <paramref name="loss"/> of its index. Returns the runs in order.</summary>
    private static List<(string Id, int Rung)> RunAll(SuccessiveHalving halving, List<TrialRecord> trials, Func<int, double?> loss)
    {
        var runs = new List<(string, int)>();
        while (halving.Next(trials, _ => false) is { } next)
        {
            runs.Add((next.Id, next.Rung!.Value));
            var value = loss(trials.IndexOf(next));
            next.State = value is null ? TrialState.Failed : TrialState.Done;
            SuccessiveHalving.Finished(next, value);
        }
        return runs;
    }

    [Fact]
    public void Rungs_grow_by_eta_from_min_steps_and_end_at_the_training_steps()
    {
        Assert.Equal(new[] { 10, 30, 90, 100 }, new HalvingOptions { MinSteps = 10, Eta = 3 }.Rungs(100));
        Assert.Equal(new[] { 4, 8, 16 }, new HalvingOptions { MinSteps = 4, Eta = 2 }.Rungs(16));
        Assert.Equal(new[] { 50 }, new HalvingOptions { MinSteps = 60, Eta = 3 }.Rungs(50)); // a first rung past the end is the plain grid
    }

    [Fact]
    public void One_worker_promotes_as_soon_as_a_trial_is_in_the_top_third_and_the_best_configuration_reaches_the_last_rung()
    {
        var halving = new SuccessiveHalving(Options(), totalSteps: 90); // rungs 10, 30, 90
        var trials = Configurations(halving, 9);
        double[] loss = { 5, 4, 6, 1, 7, 8, 2, 9, 3 }; // trial-003 is the best, then 006, 008

        var runs = RunAll(halving, trials, i => loss[i]);

        // After three rung-0 results the best of them (trial-001, loss 4) is promoted at once: ASHA does not wait for the rung.
        Assert.Equal(("trial-001", 1), runs[3]);
        Assert.All(trials, t => Assert.Equal(TrialState.Done, t.State));
        Assert.Equal(9, runs.Count(r => r.Rung == 0));
        var rung1 = runs.Where(r => r.Rung == 1).Select(r => r.Id).ToList();
        Assert.Subset(rung1.ToHashSet(), new HashSet<string> { "trial-003", "trial-006", "trial-008" }); // the final top third all got there
        Assert.Contains("trial-003", runs.Where(r => r.Rung == 2).Select(r => r.Id));
        Assert.Equal(2, trials.Single(t => t.Id == "trial-003").Rung);
        Assert.Equal(90, trials.Single(t => t.Id == "trial-003").Steps);
        Assert.Equal(new double?[] { 1, 1, 1 }, trials.Single(t => t.Id == "trial-003").RungMetrics);
        Assert.True(trials.Sum(t => t.Steps!.Value) < 9 * 90 / 2, "halving costs less than half the grid here");
    }

    [Fact]
    public void A_failed_trial_counts_as_the_worst_of_its_rung_and_is_never_promoted()
    {
        var halving = new SuccessiveHalving(Options(eta: 2, minSteps: 10), totalSteps: 20); // rungs 10, 20
        var trials = Configurations(halving, 4);

        RunAll(halving, trials, i => i == 0 ? null : 10 - i); // trial-000 fails; 003 is best, then 002

        Assert.Equal(TrialState.Failed, trials[0].State);
        Assert.Equal(0, trials[0].Rung);
        // trial-001 was promoted when it was the better of two (asynchronous), then 002 and 003 as they came; the failed one never.
        Assert.Equal(new int?[] { 0, 1, 1, 1 }, trials.Select(t => t.Rung));
        Assert.Null(trials[0].RungMetrics![0]);
    }

    [Fact]
    public void The_step_budget_stops_promotions_and_new_configurations_that_do_not_fit()
    {
        var halving = new SuccessiveHalving(Options(eta: 2, minSteps: 10, maxSteps: 55), totalSteps: 40); // rungs 10, 20, 40
        var trials = Configurations(halving, 6);

        RunAll(halving, trials, i => i);

        Assert.True(trials.Where(t => t.State != TrialState.Pending).Sum(t => t.Steps!.Value) <= 55);
        Assert.Contains(trials, t => t.State == TrialState.Pending); // left for the sweep to mark skipped
    }

    [Fact]
    public void A_trial_running_now_is_neither_started_again_nor_promoted_and_a_promoted_one_waiting_goes_first()
    {
        var halving = new SuccessiveHalving(Options(eta: 2, minSteps: 10), totalSteps: 20);
        var trials = Configurations(halving, 3);
        var first = halving.Next(trials, _ => false)!;
        var second = halving.Next(trials, t => t == first)!;
        Assert.NotEqual(first, second);

        trials[2].Rung = 1; // promoted before the sweep was interrupted, not yet run
        trials[2].Steps = 20;
        Assert.Same(trials[2], halving.Next(trials, t => t == first || t == second));
    }

    [Fact]
    public void Configurations_start_in_a_seeded_random_order_renumbered_as_they_start()
    {
        var grid = Enumerable.Range(0, 13).Select(i => new TrialRecord { Id = $"trial-{i:D3}", Overrides = new[] { $"optimizer.lr={i}" } }).ToList();

        var order = SuccessiveHalving.StartingOrder(grid, seed: 0);

        Assert.Equal(grid.Select(t => t.Overrides[0]).Order(), order.Select(t => t.Overrides[0]).Order()); // a permutation
        Assert.NotEqual(grid.Select(t => t.Overrides[0]), order.Select(t => t.Overrides[0]));
        Assert.Equal(order.Select(t => t.Overrides[0]), SuccessiveHalving.StartingOrder(grid, seed: 0).Select(t => t.Overrides[0])); // the same every time
        Assert.NotEqual(order.Select(t => t.Overrides[0]), SuccessiveHalving.StartingOrder(grid, seed: 1).Select(t => t.Overrides[0]));
        Assert.Equal(Enumerable.Range(0, 13).Select(i => $"trial-{i:D3}"), order.Select(t => t.Id));
    }
}
