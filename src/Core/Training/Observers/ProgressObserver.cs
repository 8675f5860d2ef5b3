namespace Forge.Core.Training.Observers;

/// <summary>Reports every logged step (step, loss, eval loss, what callbacks reported, learning rate, tokens/s, elapsed time) to a progress display.</summary>
public sealed class ProgressObserver(IProgress<ProgressUpdate> progress) : ITrainingObserver
{
    public void Logged(LoggedStep step)
    {
        var r = step.Record;
        progress.Report(new ProgressUpdate(r.Step, step.State.TotalSteps, r.Loss, r.Lr, r.EvalLoss, TimeSpan.FromSeconds(r.ElapsedSeconds))
        {
            TokensPerSecond = r.TokensPerSecond,
            EvalAccuracy = r.EvalAccuracy,
            Reported = r.Reported is { } reported
                ? reported.Where(v => v.Value is double).Select(v => KeyValuePair.Create(v.Key, (double)v.Value)).ToList()
                : [],
        });
    }
}
