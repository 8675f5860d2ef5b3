namespace Forge.Core.Training;

/// <summary>What one update of the loop must do besides training.</summary>
/// <param name="Step">The update's number, 1-based: the step it completes.</param>
/// <param name="Logged">Whether its loss and gradient norm are read back and written (training.logInterval, and every evaluation).</param>
/// <param name="Evaluate">Whether the held-out loss is measured after it (training.evalInterval, and the last update).</param>
public sealed record StepPlan(int Step, bool Logged, bool Evaluate)
{
    /// <summary>The plan of the update that completes step <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static StepPlan For(int step, int totalSteps, int evalInterval, int logInterval)
    {
        bool evaluate = step == totalSteps || (evalInterval > 0 && step % evalInterval == 0);
        return new StepPlan(step, evaluate || step % logInterval == 0, evaluate);
    }
}
