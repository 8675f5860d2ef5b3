namespace Forge.Host.Console;

/// <summary>What the training loop reports at each logged step.</summary>
internal sealed record ProgressUpdate(int Step, int TotalSteps, double Loss, double LearningRate, double? EvalLoss, TimeSpan Elapsed)
{
    /// <summary>Estimated time left, from the average time per step so far.</summary>
    public TimeSpan Remaining => Step == 0 ? TimeSpan.Zero : Elapsed / Step * (TotalSteps - Step);
}
