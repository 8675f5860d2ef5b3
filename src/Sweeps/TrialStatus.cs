using System.Text.Json;
using Forge.Core.Files;
using Forge.Core.Specs;

namespace Forge.Sweeps;

/// <summary>
/// <c>trials/ID/status.json</c>: what the trial entry point (<c>forge trial run</c>) knows of its trial, written
/// atomically when it starts and when it ends, so that a launcher that cannot talk to the trial (a Slurm array task, a
/// Kubernetes pod) learns its outcome from the shared sweep folder.
/// </summary>
public sealed record TrialStatus
{
    public const string FileName = "status.json";

    public required string Trial { get; init; }
    public required TrialState State { get; init; }
    public int? ExitCode { get; init; }
    public string? Error { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public double? WallSeconds { get; init; }

    /// <summary>Successive halving: the updates the trial was run to (its rung's); null for other methods.</summary>
    public int? Steps { get; init; }

    /// <summary>Whether this status is of <paramref name="trial"/> as it stands (for successive halving: of its current rung, not an earlier one).</summary>
    public bool IsOf(TrialRecord trial) => Steps == trial.Steps;

    /// <summary>The machine the trial ran on.</summary>
    public required string Host { get; init; }

    /// <summary>The scheduler's job id, when a scheduler started the trial (<c>SLURM_ARRAY_JOB_ID_TASK</c> or <c>SLURM_JOB_ID</c>).</summary>
    public string? JobId { get; init; }

    public static string PathIn(string runFolder) => Path.Combine(runFolder, FileName);

    public Task WriteAsync(string runFolder) =>
        AtomicFile.WriteAllTextAsync(PathIn(runFolder), JsonSerializer.Serialize(this, SpecJson.OutputOptions));

    /// <summary>The status in <paramref name="runFolder"/>, or null when the trial never started there (or the file is unreadable).</summary>
    public static TrialStatus? Read(string runFolder)
    {
        try
        {
            return File.Exists(PathIn(runFolder)) ? JsonSerializer.Deserialize<TrialStatus>(File.ReadAllText(PathIn(runFolder)), SpecJson.OutputOptions) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs a trial between two status writes: <c>running</c> before <paramref name="run"/>, then <c>done</c> or
    /// <c>failed</c> with its exit code, error and wall time. Every launcher's trials go through here.
    /// </summary>
    public static async Task<TrialOutcome> RecordAsync(TrialRecord trial, string runFolder, Func<Task<TrialOutcome>> run)
    {
        Directory.CreateDirectory(runFolder);
        double before = trial.Rung is > 0 && Read(runFolder) is { WallSeconds: { } earlier } ? earlier : 0; // a promoted trial's wall time adds up over its rungs
        var started = new TrialStatus
        {
            Trial = trial.Id, State = TrialState.Running, StartedAt = DateTimeOffset.UtcNow, Host = Environment.MachineName, JobId = SchedulerJobId(), Steps = trial.Steps,
            WallSeconds = before > 0 ? before : null,
        };
        await started.WriteAsync(runFolder);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var outcome = await run();
        await (started with
        {
            State = outcome.ExitCode == 0 ? TrialState.Done : TrialState.Failed,
            ExitCode = outcome.ExitCode,
            Error = outcome.ExitCode == 0 ? null : outcome.LastError ?? $"exit code {outcome.ExitCode}",
            FinishedAt = DateTimeOffset.UtcNow,
            WallSeconds = before + clock.Elapsed.TotalSeconds,
        }).WriteAsync(runFolder);
        return outcome;
    }

    /// <summary>The scheduler's id for this process's job, if a scheduler started it.</summary>
    public static string? SchedulerJobId() =>
        Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } array
            ? $"{array}_{Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID")}"
            : Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } job ? job : null;
}
