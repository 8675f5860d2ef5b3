using System.Globalization;

namespace Forge.Host.Console;

/// <summary>One line per logged step, for CI logs, redirected output and batch jobs.</summary>
internal sealed class PlainProgressDisplay(TextWriter output) : IProgressDisplay, ITrainingProgress
{
    public T Run<T>(int totalSteps, Func<ITrainingProgress, T> training) => training(this);

    public void Report(ProgressUpdate u)
    {
        var eval = u.EvalLoss is { } e ? string.Create(CultureInfo.InvariantCulture, $" eval {e:F4}") : "";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {u.Step}/{u.TotalSteps} loss {u.Loss:F4}{eval} lr {u.LearningRate:E2} elapsed {u.Elapsed:hh\\:mm\\:ss} eta {u.Remaining:hh\\:mm\\:ss}"));
        output.Flush();
    }
}
