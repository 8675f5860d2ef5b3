using System.Text.Json.Nodes;
using Forge.Host.Specs;
using Forge.Host.Training;

namespace Forge.Host.Checkpoints;

/// <summary>How a run starts: afresh, or from a checkpoint, continuing in its own run folder or in a new one.</summary>
/// <param name="Checkpoint">The checkpoint to start from, or null to start afresh.</param>
/// <param name="ContinueIn">The existing run folder to continue in (resume auto), or null for a new run folder.</param>
internal sealed record ResumePlan(LoadedCheckpoint? Checkpoint, string? ContinueIn) : IDisposable
{
    public void Dispose() => Checkpoint?.Dispose();

    public static readonly ResumePlan Fresh = new(null, null);

    /// <summary>
    /// Reads the spec's <c>resume</c>: <c>never</c>; <c>auto</c> — the newest run folder of this experiment whose
    /// spec matches (ignoring resume, metrics, checkpoint and guard settings) continues if it did not complete and has a
    /// valid checkpoint, otherwise the run starts afresh; or a path — a checkpoint folder, or a run folder whose newest
    /// valid checkpoint is used, to start a new run from. For a sweep trial (<paramref name="exactRunFolder"/>) auto
    /// looks only at that folder.
    /// </summary>
    public static ResumePlan Resolve(ResolvedSpec spec, string runsRoot, string? exactRunFolder, Action<string> warn)
    {
        var resume = spec.Spec.Resume.Trim();
        if (resume.Equals("never", StringComparison.OrdinalIgnoreCase))
            return Fresh;
        if (resume.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var candidates = exactRunFolder is not null
                ? new[] { Path.GetFullPath(exactRunFolder) }.Where(Directory.Exists)
                : RunFolders(Path.Combine(runsRoot, spec.Spec.Name));
            foreach (var folder in candidates)
            {
                if (!SameRun(spec, folder))
                    continue;
                if (Finished(folder))
                    return Fresh; // the newest run of this spec is done: this is a new run
                var checkpoint = new CheckpointStore(folder, spec.Spec.Checkpoint).LoadNewestValid(m => warn($"skipping a damaged checkpoint: {m}"));
                return checkpoint is null ? Fresh : new ResumePlan(checkpoint, folder);
            }
            return Fresh;
        }
        var path = Path.GetFullPath(Path.IsPathRooted(resume) ? resume : Path.Combine(Environment.CurrentDirectory, resume));
        try
        {
            if (File.Exists(Path.Combine(path, CheckpointStore.SidecarFile)))
                return new ResumePlan(CheckpointStore.Load(path), null);
            if (Directory.Exists(Path.Combine(path, CheckpointStore.FolderName)))
                return new ResumePlan(new CheckpointStore(path, spec.Spec.Checkpoint).LoadNewestValid(m => warn($"skipping a damaged checkpoint: {m}"))
                    ?? throw new RunSetupException($"resume: {path} has no valid checkpoint (every one is damaged or incomplete)."), null);
        }
        catch (InvalidDataException e)
        {
            throw new RunSetupException($"resume: cannot use the checkpoint: {e.Message} Pick another checkpoint, or set \"resume\": \"never\" to start afresh.", e);
        }
        throw new RunSetupException($"resume: {resume} is neither \"auto\", \"never\", a checkpoint folder (with {CheckpointStore.SidecarFile}) nor a run folder (with {CheckpointStore.FolderName}/). Looked at {path}.");
    }

    /// <summary>Run folders of an experiment, newest first (sweep folders excluded).</summary>
    private static IEnumerable<string> RunFolders(string experimentFolder) =>
        Directory.Exists(experimentFolder)
            ? Directory.GetDirectories(experimentFolder).Where(d => !Path.GetFileName(d).StartsWith("sweep-", StringComparison.Ordinal))
                .OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal) // UTC timestamps: newest first
            : Enumerable.Empty<string>();

    private static bool Finished(string folder)
    {
        try
        {
            var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SummaryFile)));
            return summary?["status"]?.GetValue<string>() is "completed" or "diverged";
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false; // no summary: the process was killed
        }
    }

    /// <summary>Whether the run in <paramref name="folder"/> was started from the same spec, up to settings that do not change training.</summary>
    private static bool SameRun(ResolvedSpec spec, string folder)
    {
        try
        {
            var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SpecFile)))?.AsObject();
            return recorded is not null && JsonNode.DeepEquals(TrainingRelevant(recorded), TrainingRelevant(spec.Document));
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static JsonObject TrainingRelevant(JsonObject document)
    {
        var copy = document.DeepClone().AsObject();
        foreach (var field in new[] { "$schema", "resume", "metrics", "checkpoint", "guard", "sweep" })
            copy.Remove(field);
        return copy;
    }
}
