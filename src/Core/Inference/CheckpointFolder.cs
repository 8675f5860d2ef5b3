using Forge.Core.Checkpoints;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Inference;

/// <summary>
/// The checkpoint a path names: a checkpoint folder (with checkpoint.json); a run folder or its <c>checkpoints/</c>
/// folder (then its newest valid checkpoint); or an experiment's folder of runs, <c>runs/NAME</c> (then its newest run
/// with a checkpoint, by the timestamp in its name).
/// </summary>
public static class CheckpointFolder
{
    /// <summary>Loads and verifies the checkpoint <paramref name="path"/> names; anything wrong is a <see cref="RunSetupException"/> naming the path.</summary>
    public static LoadedCheckpoint Load(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            if (File.Exists(Path.Combine(full, CheckpointStore.SidecarFile)))
                return CheckpointStore.Load(full);
            var runFolder = Path.GetFileName(full) == CheckpointStore.FolderName ? Path.GetDirectoryName(full)! : full;
            if (!Directory.Exists(Path.Combine(runFolder, CheckpointStore.FolderName)) && Directory.Exists(runFolder))
                runFolder = Directory.EnumerateDirectories(runFolder).Where(d => Directory.Exists(Path.Combine(d, CheckpointStore.FolderName)))
                    .OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).LastOrDefault() ?? runFolder;
            if (Directory.Exists(Path.Combine(runFolder, CheckpointStore.FolderName)))
            {
                var skipped = new List<string>();
                return new CheckpointStore(runFolder, new CheckpointOptions()).LoadNewestValid(skipped.Add)
                    ?? throw new RunSetupException($"CHECKPOINT: {runFolder} has no valid checkpoint{(skipped.Count > 0 ? $" ({string.Join("; ", skipped)})" : "")}; train it with checkpoints enabled, or name a checkpoint folder.");
            }
        }
        catch (InvalidDataException e)
        {
            throw new RunSetupException($"CHECKPOINT: {e.Message} Name another checkpoint folder (runs/NAME/checkpoints/step-…), or a run folder to take its newest valid one.", e);
        }
        throw new RunSetupException(Directory.Exists(full)
            ? $"CHECKPOINT: {full} is neither a checkpoint folder (with {CheckpointStore.SidecarFile}) nor a run folder (with {CheckpointStore.FolderName}/) nor a folder of runs; name one of those."
            : $"CHECKPOINT: {full} does not exist; name a run folder (runs/NAME) or one of its checkpoint folders (runs/NAME/checkpoints/step-…).");
    }
}
