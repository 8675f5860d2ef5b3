namespace Forge.Core.Training.Observers;

/// <summary>Writes every logged step's record to <c>metrics.jsonl</c> in the run folder (the file exists from the start of the run).</summary>
public sealed class MetricsFileObserver(string runFolder) : ITrainingObserver, IDisposable
{
    private readonly JsonLinesFile _file = new(Path.Combine(runFolder, MetricFiles.Metrics), createNow: true);

    public void Logged(LoggedStep step) => _file.Append(step.Record);

    public void Dispose() => _file.Dispose();
}
