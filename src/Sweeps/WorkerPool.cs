using System.Collections.Concurrent;

namespace Forge.Sweeps;

/// <summary>Idle <see cref="WorkerProcess"/>es of one sweep: a trial takes one (or starts one) and gives it back when it is still alive.</summary>
public sealed class WorkerPool : IAsyncDisposable
{
    private readonly ConcurrentBag<WorkerProcess> _idle = new();

    public async Task<WorkerProcess> TakeAsync()
    {
        while (_idle.TryTake(out var worker))
        {
            if (worker.Alive)
                return worker;
            await worker.DisposeAsync();
        }
        return WorkerProcess.Start();
    }

    public void Return(WorkerProcess worker) => _idle.Add(worker);

    /// <summary>Ends every idle worker (a cancelled trial has already killed its own).</summary>
    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var worker))
            await worker.DisposeAsync();
    }
}
