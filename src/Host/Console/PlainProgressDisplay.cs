using System.Globalization;

namespace Forge.Host.Console;

/// <summary>One line per logged step, for CI logs, redirected output and batch jobs.</summary>
internal sealed class PlainProgressDisplay(TextWriter output) : IProgressDisplay, ITrainingProgress
{
    public T Run<T>(int totalSteps, Func<ITrainingProgress, T> training) => training(this);

    public void Report(ProgressUpdate u)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {u.Step}/{u.TotalSteps} {u.Figures} elapsed {u.Elapsed:hh\\:mm\\:ss} eta {u.Remaining:hh\\:mm\\:ss}"));
        output.Flush();
    }
}
