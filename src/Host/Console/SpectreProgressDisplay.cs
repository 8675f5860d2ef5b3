using System.Globalization;
using Spectre.Console;

namespace Forge.Host.Console;

/// <summary>A live progress bar with step, loss, eval loss, learning rate, tokens/s and ETA, for an interactive terminal.</summary>
internal sealed class SpectreProgressDisplay(IAnsiConsole console) : IProgressDisplay
{
    public T Run<T>(int totalSteps, Func<ITrainingProgress, T> training) =>
        console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("starting", maxValue: totalSteps);
                return training(new Reporter(task));
            });

    private sealed class Reporter(ProgressTask task) : ITrainingProgress
    {
        public void Report(ProgressUpdate u)
        {
            task.Description = $"step {u.Step}/{u.TotalSteps} {u.Figures}";
            task.Value = u.Step;
        }
    }
}
