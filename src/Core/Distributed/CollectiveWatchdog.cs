using System.Diagnostics;

namespace Forge.Core.Distributed;

/// <summary>
/// Watches the collective calls of one rank: when a call has waited longer than <see cref="Timeout"/> for the other
/// ranks (one of them stopped, stuck, or lost without the launcher noticing), <c>onStuck</c> runs once, on a timer
/// thread, with a message that says so. A blocking MPI call cannot be cancelled, so ending the job is the only way
/// out that does not hang (torch.distributed's process groups time out the same way).
/// </summary>
public sealed class CollectiveWatchdog : IDisposable
{
    private readonly string _rank;
    private readonly Action<string> _onStuck;
    private readonly Timer _timer;
    private long _since; // Stopwatch timestamp when the call in progress began; 0 when none is
    private string _call = "";
    private int _fired;

    /// <param name="timeout">How long one call may wait.</param>
    /// <param name="rank">Which rank this is (e.g. "rank 1 of 2"), for the message.</param>
    /// <param name="onStuck">Ends the job; it is given the message.</param>
    public CollectiveWatchdog(TimeSpan timeout, string rank, Action<string> onStuck)
    {
        (Timeout, _rank, _onStuck) = (timeout, rank, onStuck);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 5000));
        _timer = new Timer(_ => Check(), null, period, period);
    }

    /// <summary>How long one collective call may wait before the job is ended.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Marks <paramref name="call"/> as in progress until the returned scope is disposed.</summary>
    public Scope Enter(string call)
    {
        _call = call;
        Volatile.Write(ref _since, Stopwatch.GetTimestamp());
        return new Scope(this);
    }

    /// <summary>The call in progress, ended by <see cref="Dispose"/>.</summary>
    public readonly struct Scope(CollectiveWatchdog watchdog) : IDisposable
    {
        public void Dispose() => Volatile.Write(ref watchdog._since, 0);
    }

    private void Check()
    {
        long since = Volatile.Read(ref _since);
        if (since == 0 || Stopwatch.GetElapsedTime(since) <= Timeout || Interlocked.Exchange(ref _fired, 1) == 1)
            return;
        _onStuck($"{_rank} has waited {Stopwatch.GetElapsedTime(since).TotalSeconds:F0} s in {_call} for the other ranks, longer than distributedTimeoutSeconds " +
                 $"({Timeout.TotalSeconds:F0} s): another rank is stuck, stopped or lost. Ending the job so that no rank waits forever; the same command " +
                 "resumes from the last checkpoint, if the run writes them. Raise distributedTimeoutSeconds if a step, an evaluation or a checkpoint legitimately takes that long.");
    }

    public void Dispose() => _timer.Dispose();
}
