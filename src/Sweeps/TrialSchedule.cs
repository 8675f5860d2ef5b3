namespace Forge.Sweeps;

/// <summary>
/// What a free worker runs next (<see cref="SweepRunner"/> asks each time one is free). Grid, random and each stage
/// of the independent search run their unfinished trials in order (<see cref="InOrder"/>); successive halving decides
/// as results come in (<see cref="HalvingSchedule"/>).
/// </summary>
public interface ITrialSchedule
{
    /// <summary>The trial to run now, or null when none can start until a running one ends.</summary>
    /// <param name="isRunning">Whether a trial is running now.</param>
    TrialRecord? Next(IReadOnlyList<TrialRecord> trials, Func<TrialRecord, bool> isRunning);

    /// <summary><paramref name="trial"/> ended (done or failed; its state says which), before the sweep state is saved.</summary>
    void Ended(TrialRecord trial);

    /// <summary>How many trial runs it plans, when that is known in advance (for the <c>[n/total]</c> lines).</summary>
    int? Planned { get; }

    /// <summary>Runs the sweep's trials that are not settled, each once, in order.</summary>
    public sealed class InOrder(IReadOnlyList<TrialRecord> trials) : ITrialSchedule
    {
        private readonly Queue<TrialRecord> _queue = new(trials);

        public int? Planned => trials.Count;

        public TrialRecord? Next(IReadOnlyList<TrialRecord> all, Func<TrialRecord, bool> isRunning) => _queue.TryDequeue(out var next) ? next : null;

        public void Ended(TrialRecord trial) { }
    }
}

/// <summary>Successive halving's schedule: <see cref="SuccessiveHalving"/> picks, and each ended trial's rung metric is read from its run folder.</summary>
public sealed class HalvingSchedule : ITrialSchedule
{
    private readonly SuccessiveHalving _halving;
    private readonly string _folder;
    private readonly Forge.Core.Specs.SweepOptions _sweep;

    /// <summary>Trials a killed sweep left running, and failed ones, are run again.</summary>
    public HalvingSchedule(SuccessiveHalving halving, string folder, SweepState state, Forge.Core.Specs.SweepOptions sweep)
    {
        (_halving, _folder, _sweep) = (halving, folder, sweep);
        foreach (var trial in state.Trials.Where(t => t.State is TrialState.Running or TrialState.Failed))
            trial.State = TrialState.Pending;
    }

    public int? Planned => null;

    public TrialRecord? Next(IReadOnlyList<TrialRecord> trials, Func<TrialRecord, bool> isRunning) => _halving.Next(trials, isRunning);

    public void Ended(TrialRecord trial)
    {
        var metric = trial.State == TrialState.Done ? SweepResults.Of(_folder, trial, _sweep.LastSteps).Score(_sweep.Metric) : null; // lower is better, as halving ranks
        SuccessiveHalving.Finished(trial, metric);
    }
}
