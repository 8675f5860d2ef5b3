namespace Forge.Host.Console;

/// <summary>Where the training loop shows its progress.</summary>
internal interface ITrainingProgress
{
    void Report(ProgressUpdate update);
}

/// <summary>Runs training inside a progress display suited to the output: a live bar on a terminal, plain lines otherwise.</summary>
internal interface IProgressDisplay
{
    T Run<T>(int totalSteps, Func<ITrainingProgress, T> training);
}
