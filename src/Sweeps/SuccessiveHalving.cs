using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// Asynchronous successive halving (ASHA; Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning",
/// Algorithm 2). Every configuration of the grid is a trial that starts in rung 0 with <c>halving.minSteps</c>
/// updates; rung k gives minSteps·η^k, the last rung training.steps. Whenever a worker is free, <see cref="Next"/>
/// looks from the highest rung down for a trial that finished its rung, is among the best ⌊n/η⌋ of the n trials that
/// finished that rung so far and has not been promoted: that trial is promoted, and trains on to the next rung from
/// its checkpoint (its run is paused at each rung's end by <c>stopAfter</c>); otherwise the next configuration not yet
/// started begins. No rung waits for all its trials (that is the asynchronous part: a promotion may later prove to be
/// one a synchronous halving would not have made). When nothing runs and nothing can start, the best trial of the
/// highest rung reached trains on, rung by rung, to training.steps, so the search ends with one run of the whole
/// schedule. A failed trial, or one without a finite metric, counts as the worst of its rung. Everything it decides is recorded in the trials (<see cref="TrialRecord.Rung"/>,
/// <see cref="TrialRecord.Steps"/>, <see cref="TrialRecord.RungMetrics"/>), so a resumed sweep carries on.
/// </summary>
public sealed class SuccessiveHalving(SweepOptions sweep, int totalSteps)
{
    private readonly IReadOnlyList<int> _rungs = sweep.Halving.Rungs(totalSteps);

    /// <summary>The rungs' step counts, the last being training.steps.</summary>
    public IReadOnlyList<int> Rungs => _rungs;

    /// <summary>
    /// The grid's configurations in the order they start: a permutation drawn with <paramref name="seed"/>
    /// (<c>sweep.seed</c>), as ASHA draws its configurations at random, renumbered in that order. In the grid's own
    /// order a trend along the grid (each learning rate better than the last at the first rung) would promote almost
    /// every trial, since each would be the best so far when it finishes.
    /// </summary>
    public static IReadOnlyList<TrialRecord> StartingOrder(IReadOnlyList<TrialRecord> grid, long seed)
    {
        var order = grid.ToArray();
        new Random(unchecked((int)seed)).Shuffle(order);
        return order.Select((t, i) => new TrialRecord { Id = $"trial-{i:D3}", Overrides = t.Overrides, Stage = t.Stage }).ToList();
    }

    /// <summary>The first rung's fields of a new configuration's trial.</summary>
    public void Start(TrialRecord trial)
    {
        trial.Rung = 0;
        trial.Steps = _rungs[0];
        trial.RungMetrics = new List<double?>();
    }

    /// <summary>Records the metric <paramref name="trial"/> ended its rung with (null when it failed or has no finite one).</summary>
    public static void Finished(TrialRecord trial, double? metric)
    {
        var metrics = trial.RungMetrics ??= new List<double?>();
        while (metrics.Count > trial.Rung!.Value)
            metrics.RemoveAt(metrics.Count - 1); // the rung was run again (a resumed sweep)
        metrics.Add(metric is { } m && double.IsFinite(m) ? m : null);
    }

    /// <summary>
    /// The trial to run next, changed to say so (a promotion moves it to its next rung); null when none can start now
    /// (nothing to promote, every configuration started, or the budget would be exceeded by the next one).
    /// </summary>
    /// <param name="isRunning">Whether a trial is running now (it is neither started again nor promoted).</param>
    public TrialRecord? Next(IReadOnlyList<TrialRecord> trials, Func<TrialRecord, bool> isRunning)
    {
        long committed = trials.Where(t => t.Steps is not null && (t.State != TrialState.Pending || isRunning(t) || t.Rung > 0)).Sum(t => (long)t.Steps!.Value);
        bool Fits(long steps) => sweep.MaxSteps == 0 || committed + steps <= sweep.MaxSteps;

        // A trial that was promoted (or stopped mid-rung by an interruption) and has not run its rung yet.
        if (trials.FirstOrDefault(t => t.Rung > 0 && t.State != TrialState.Done && t.State != TrialState.Failed && !isRunning(t)) is { } waiting)
            return waiting;
        for (int rung = _rungs.Count - 2; rung >= 0; rung--)
        {
            var finished = trials.Where(t => t.RungMetrics?.Count > rung).ToList();
            var best = finished.Where(t => t.RungMetrics![rung] is not null).OrderBy(t => t.RungMetrics![rung]!.Value).Take(finished.Count / sweep.Halving.Eta);
            if (best.FirstOrDefault(t => t.Rung == rung && t.State == TrialState.Done && !isRunning(t)) is { } promoted)
            {
                if (!Fits(_rungs[rung + 1] - _rungs[rung]))
                    continue;
                promoted.Rung = rung + 1;
                promoted.Steps = _rungs[rung + 1];
                promoted.State = TrialState.Pending;
                return promoted;
            }
        }
        var started = trials.Count(t => t.State != TrialState.Pending || isRunning(t) || t.Rung > 0);
        if ((sweep.MaxTrials == 0 || started < sweep.MaxTrials)
            && trials.FirstOrDefault(t => t.Rung == 0 && t.State == TrialState.Pending && !isRunning(t)) is { } fresh && Fits(_rungs[0]))
            return fresh;
        return trials.Any(isRunning) ? null : Finish(trials, Fits);
    }

    /// <summary>
    /// When nothing runs and nothing else can start: unless a trial has trained all of training.steps, the best
    /// trial of the highest rung reached goes on to the next rung (a grid of n configurations supports only about
    /// log_η(n) + 1 rungs of promotions, and the search's answer should be a run of the whole schedule).
    /// </summary>
    private TrialRecord? Finish(IReadOnlyList<TrialRecord> trials, Func<long, bool> fits)
    {
        int last = _rungs.Count - 1;
        if (trials.Any(t => t.Rung == last && t.State == TrialState.Done))
            return null;
        var best = trials.Where(t => t.State == TrialState.Done && t.RungMetrics is { } m && m.Count == t.Rung + 1 && m[^1] is not null)
            .OrderByDescending(t => t.Rung).ThenBy(t => t.RungMetrics![^1]!.Value).FirstOrDefault();
        if (best is null || !fits(_rungs[best.Rung!.Value + 1] - _rungs[best.Rung.Value]))
            return null;
        best.Rung++;
        best.Steps = _rungs[best.Rung!.Value];
        best.State = TrialState.Pending;
        return best;
    }
}
