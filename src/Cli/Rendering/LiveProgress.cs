using Forge.Core.Training;
using Spectre.Console;

namespace Forge.Cli.Rendering;

/// <summary>
/// A live progress bar with step, loss, eval loss, learning rate, tokens/s and ETA, for an interactive terminal. The
/// display runs on a thread of its own until disposed; <see cref="Report"/> updates its task from the training thread.
/// </summary>
internal sealed class LiveProgress : IDisposable
{
    private readonly TaskCompletionSource<ProgressTask> _task = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _done = new();
    private readonly Task _display;

    public LiveProgress(IAnsiConsole console, int totalSteps)
    {
        _display = Task.Run(() =>
        {
            try
            {
                console.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(context =>
                    {
                        if (_task.TrySetResult(context.AddTask("starting", maxValue: totalSteps)))
                            _done.Wait(); // otherwise it started too late: training went on without it
                    });
            }
            catch (Exception e)
            {
                _task.TrySetException(e); // no live display: training goes on without one
            }
        });
    }

    public void Report(ProgressUpdate u)
    {
        // The first report waits (at most 10 s) for the display to start; if it has not, training goes on without it.
        if (!_task.Task.IsCompleted && Task.WhenAny(_task.Task, Task.Delay(TimeSpan.FromSeconds(10))).Result != _task.Task)
            _task.TrySetCanceled();
        if (_task.Task.Status != TaskStatus.RanToCompletion)
            return;
        var task = _task.Task.Result;
        task.Description = $"step {u.Step}/{u.TotalSteps} {u.Figures}";
        task.Value = u.Step;
    }

    public void Dispose()
    {
        _done.Set();
        _display.Wait();
        _done.Dispose();
    }
}
