using System.Text.Json;
using Forge.Core.Errors;
using Forge.Core.Files;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>Where a trial is.</summary>
public enum TrialState
{
    Pending,
    Running,
    Done,
    Failed,

    /// <summary>Not run: the sweep's budget (<c>maxSteps</c>) ran out before successive halving could start it.</summary>
    Skipped,
}

/// <summary>One trial in <c>sweep.json</c>.</summary>
public sealed class TrialRecord
{
    public required string Id { get; init; }
    public required IReadOnlyList<string> Overrides { get; init; }

    /// <summary>The stage of a staged search (<c>independent</c>: lr, each, combined, confirm) the trial belongs to; null for grid and random.</summary>
    public string? Stage { get; init; }

    /// <summary>Successive halving: the rung the trial is in (0 first); null for other methods.</summary>
    public int? Rung { get; set; }

    /// <summary>Successive halving: the updates the trial trains to in its rung (passed to the run as <c>stopAfter</c>); null for other methods.</summary>
    public int? Steps { get; set; }

    /// <summary>
    /// Successive halving: the trial's score at the end of each rung it finished, lower being better (the sweep metric,
    /// or 1 − accuracy for an accuracy metric; null: none finite, or it failed).
    /// </summary>
    public List<double?>? RungMetrics { get; set; }

    /// <summary>
    /// A staged search: the earlier trial this one is the same experiment as (equal <see cref="Forge.Core.Composition.ExperimentIdentity"/>,
    /// e.g. a parameter's default value in the <c>each</c> stage at the learning rate the <c>lr</c> stage chose). It is
    /// not run: it is done from the start, and its results are that trial's (its <see cref="RunFolder"/> is that trial's).
    /// </summary>
    public string? SameAs { get; set; }

    public TrialState State { get; set; } = TrialState.Pending;
    public string? Error { get; set; }
    public int? ExitCode { get; set; }
    public double? WallSeconds { get; set; }

    /// <summary>The trial's run folder, relative to the sweep folder (of the trial it is the same as, when <see cref="SameAs"/>).</summary>
    public string RunFolder => Path.Combine("trials", SameAs ?? Id);
}

/// <summary>
/// <c>sweep.json</c>: the spec (path, a hash of its text, the command-line overrides) and every trial with its
/// overrides and state. Written atomically after every change, so an interrupted sweep can be resumed.
/// </summary>
public sealed class SweepState
{
    public const string FileName = "sweep.json";

    public required string SpecPath { get; init; }
    /// <summary>The spec's <see cref="Forge.Core.Specs.SpecComposition.Sha256"/>: its file's, or its whole <c>extends</c> chain's.</summary>
    public required string SpecSha256 { get; init; }
    public required IReadOnlyList<string> Overrides { get; init; }

    /// <summary>The launcher <c>forge sweep --launcher</c> chose (null: the spec's <c>sweep.launcher</c>).</summary>
    public LauncherKind? Launcher { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
    public required List<TrialRecord> Trials { get; init; }

    /// <summary>
    /// The trials still to run: those not done, except failed trials of a staged search's earlier stages, which are
    /// settled (the search has planned on from their stage's results, so running them again would change nothing).
    /// </summary>
    public IReadOnlyList<TrialRecord> Unsettled
    {
        get
        {
            string? current = Trials.Count > 0 ? Trials[^1].Stage : null;
            return Trials.Where(t => t.State is not (TrialState.Done or TrialState.Skipped) && (t.Stage is null || t.Stage == current)).ToList();
        }
    }

    /// <summary>The runs root a sweep folder (<c>runs/NAME/sweep-TIME</c>) lives in.</summary>
    public static string RunsRootOf(string folder) => Path.GetFullPath(Path.Combine(folder, "..", ".."));

    public static async Task<SweepState> LoadAsync(string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
            throw new SpecException(folder, new SpecProblem("", $"is not a sweep folder: it has no {FileName}. Give the folder forge sweep printed (runs/<name>/sweep-<time>)."));
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<SweepState>(stream, SpecJson.OutputOptions, cancellationToken)
                   ?? throw new JsonException("empty file");
        }
        catch (JsonException e)
        {
            throw new SpecException(path, new SpecProblem("", $"cannot be read ({e.Message}); it may have been edited by hand or truncated."));
        }
    }

    /// <summary>
    /// Takes each trial's outcome from its <c>status.json</c> (written by <c>forge trial run</c>, wherever it ran) when
    /// the file has one this state lacks; returns how many trials changed.
    /// </summary>
    public int MergeTrialStatus(string folder)
    {
        int changed = 0;
        foreach (var trial in Trials.Where(t => t.State is not (TrialState.Done or TrialState.Skipped)))
        {
            if (TrialStatus.Read(Path.Combine(folder, trial.RunFolder)) is not { State: TrialState.Done or TrialState.Failed } status || !status.IsOf(trial)
                || status.State == trial.State && status.ExitCode == trial.ExitCode)
                continue;
            (trial.State, trial.ExitCode, trial.Error, trial.WallSeconds) = (status.State, status.ExitCode, status.Error, status.WallSeconds);
            changed++;
        }
        return changed;
    }

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public async Task SaveAsync(string folder)
    {
        await _writeLock.WaitAsync();
        try
        {
            await AtomicFile.WriteAllTextAsync(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, SpecJson.OutputOptions));
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
