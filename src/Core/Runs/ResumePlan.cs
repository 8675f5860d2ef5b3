using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Runs;

/// <summary>How a run starts: afresh, or from a checkpoint, continuing in its own run folder or in a new one.</summary>
/// <param name="Checkpoint">The checkpoint to start from, or null to start afresh.</param>
/// <param name="ContinueIn">The existing run folder to continue in (resume auto), or null for a new run folder.</param>
public sealed record ResumePlan(LoadedCheckpoint? Checkpoint, string? ContinueIn) : IDisposable
{
    public void Dispose() => Checkpoint?.Dispose();

    public static readonly ResumePlan Fresh = new(null, null);

    /// <summary>
    /// Reads the spec's <c>resume</c>: <c>never</c>; <c>auto</c> — the newest run folder of this experiment name whose
    /// recorded spec is the same experiment (<see cref="ExperimentIdentity"/>: whatever the run settings) continues if it
    /// did not complete and has a valid checkpoint, otherwise the run starts afresh; or a path — a checkpoint folder, or a run folder whose newest
    /// valid checkpoint is used, to start a new run from. For a sweep trial (<paramref name="exactRunFolder"/>) auto
    /// looks only at that folder.
    /// </summary>
    public static ResumePlan Resolve(ResolvedSpec spec, string runsRoot, string? exactRunFolder, SpecLoader loader, Action<string> warn)
    {
        var resume = spec.Settings.Resume.Trim();
        if (resume.Equals("never", StringComparison.OrdinalIgnoreCase))
            return Fresh;
        if (resume.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            var candidates = exactRunFolder is not null
                ? new[] { Path.GetFullPath(exactRunFolder) }.Where(Directory.Exists)
                : RunFolders(Path.Combine(runsRoot, spec.Experiment.Name));
            foreach (var folder in candidates)
            {
                if (!SameExperiment(spec, folder, loader))
                    continue;
                if (Finished(folder))
                    return Fresh; // the newest run of this spec is done: this is a new run
                var checkpoint = new CheckpointStore(folder, spec.Settings.Checkpoint).LoadNewestValid(m => warn($"skipping a damaged checkpoint: {m}"));
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
                return new ResumePlan(new CheckpointStore(path, spec.Settings.Checkpoint).LoadNewestValid(m => warn($"skipping a damaged checkpoint: {m}"))
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

    /// <summary>Whether the run in <paramref name="folder"/> was started from the same experiment (its recorded spec, resolved as this one is).</summary>
    private static bool SameExperiment(ResolvedSpec spec, string folder, SpecLoader loader)
    {
        try
        {
            if (JsonNode.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SpecFile)), documentOptions: SpecJson.DocumentOptions) is not JsonObject recorded)
                return false;
            return JsonNode.DeepEquals(loader.Resolve(recorded, spec.SpecPath, Array.Empty<string>()).Identity, spec.Identity);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException or SpecException
                                   or PluginCatalogException or PluginFaultException)
        {
            return false; // unreadable, no longer a valid spec, or its plugins no longer load: not this experiment
        }
    }
}
