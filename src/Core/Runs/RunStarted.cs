using System.Globalization;

namespace Forge.Core.Runs;

/// <summary>What a run says when it starts.</summary>
/// <param name="Name">The experiment's name.</param>
/// <param name="Description">The model, its size, parametrization and precision, the data, the optimizer, the steps and the device, in one line.</param>
/// <param name="Folder">The run folder.</param>
/// <param name="TotalSteps">The planned number of updates.</param>
/// <param name="StartedFrom">When the experiment starts from a checkpoint (<c>init</c>): what it did.</param>
/// <param name="ResumedFrom">When the run resumes: the checkpoint folder and its step.</param>
/// <param name="MetricsUrl">The Prometheus scrape endpoint, when it is on.</param>
public sealed record RunStarted(string Name, string Description, string Folder, int TotalSteps, string? StartedFrom, (string Folder, int Step)? ResumedFrom, string? MetricsUrl)
{
    /// <summary>The lines the command line prints, in order.</summary>
    public IEnumerable<string> Lines()
    {
        yield return $"{Name}: {Description}";
        yield return $"run folder: {Folder}";
        if (StartedFrom is not null && ResumedFrom is null)
            yield return StartedFrom;
        if (ResumedFrom is { } resumed)
            yield return string.Create(CultureInfo.InvariantCulture, $"resuming from {resumed.Folder} (step {resumed.Step} of {TotalSteps})");
        if (MetricsUrl is not null)
            yield return $"metrics: {MetricsUrl}";
    }
}
