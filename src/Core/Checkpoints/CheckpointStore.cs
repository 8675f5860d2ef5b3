using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using static TorchSharp.torch;
using Forge.Core.Files;
using Forge.Core.Specs;

namespace Forge.Core.Checkpoints;

/// <summary>
/// The <c>checkpoints/</c> folder of a run: one folder per checkpoint, <c>step-00000200/</c> with
/// <c>model.safetensors</c>, <c>optimizer.safetensors</c> and <c>checkpoint.json</c>. A checkpoint is written into a
/// hidden temporary folder, every file flushed to disk, the sidecar (with the files' SHA-256) last, and only then
/// renamed into place, so a process killed at any moment leaves either the complete checkpoint or none; a folder
/// whose files do not match their hashes is never loaded. After each write the oldest checkpoints beyond
/// <c>keepLast</c> are deleted, except permanent ones.
/// </summary>
public sealed class CheckpointStore
{
    public const string FolderName = "checkpoints";
    public const string ModelFile = "model.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string CallbacksFile = "callbacks.safetensors";
    public const string SidecarFile = "checkpoint.json";
    private const string TempPrefix = ".tmp-";

    private readonly CheckpointOptions _options;

    public CheckpointStore(string runFolder, CheckpointOptions options)
    {
        Root = Path.Combine(runFolder, FolderName);
        _options = options;
    }

    public string Root { get; }

    public bool Enabled => _options.Enabled;

    /// <summary>Whether the interval asks for a checkpoint after update <paramref name="step"/>.</summary>
    public bool IsDue(int step) => _options.IsDue(step);

    public static string StepFolderName(int step) => "step-" + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Writes a checkpoint atomically and prunes old ones; returns the folder.</summary>
    public string Write(int step, CheckpointSidecar sidecar, IReadOnlyList<(string Name, Tensor Tensor)> model, IReadOnlyList<(string Name, Tensor Tensor)> optimizer,
        IReadOnlyList<(string Name, Tensor Tensor)>? callbacks = null)
    {
        Directory.CreateDirectory(Root);
        var final = Path.Combine(Root, StepFolderName(step));
        var temp = Path.Combine(Root, $"{TempPrefix}{StepFolderName(step)}-{Environment.ProcessId}");
        try
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            Directory.CreateDirectory(temp);
            var hashes = new Dictionary<string, string>
            {
                [ModelFile] = WriteDurably(Path.Combine(temp, ModelFile), s => SafeTensors.Write(s, model, new Dictionary<string, string> { ["format"] = "pt", ["step"] = step.ToString(CultureInfo.InvariantCulture) })),
                [OptimizerFile] = WriteDurably(Path.Combine(temp, OptimizerFile), s => SafeTensors.Write(s, optimizer)),
            };
            if (callbacks is { Count: > 0 })
                hashes[CallbacksFile] = WriteDurably(Path.Combine(temp, CallbacksFile), s => SafeTensors.Write(s, callbacks));
            var complete = sidecar with { Sha256 = hashes, Permanent = _options.PermanentInterval > 0 && step % _options.PermanentInterval == 0 };
            WriteDurably(Path.Combine(temp, SidecarFile), s => JsonSerializer.Serialize(s, complete, SpecJson.OutputOptions));
            if (Directory.Exists(final))
                Discard(final); // the same step written again (the final checkpoint after an interval one)
            Directory.Move(temp, final);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        Prune();
        return final;
    }

    /// <summary>Checkpoint folders, newest first (by step), without checking them.</summary>
    public IReadOnlyList<string> Folders() =>
        !Directory.Exists(Root)
            ? Array.Empty<string>()
            : Directory.GetDirectories(Root, "step-*").Where(d => StepOf(d) is not null).OrderByDescending(d => StepOf(d)).ToList();

    /// <summary>The newest checkpoint that loads and matches its hashes; damaged ones are reported through <paramref name="skipped"/> and passed over.</summary>
    public LoadedCheckpoint? LoadNewestValid(Action<string>? skipped = null)
    {
        foreach (var folder in Folders())
        {
            try
            {
                return Load(folder);
            }
            catch (InvalidDataException e)
            {
                skipped?.Invoke(e.Message);
            }
        }
        return null;
    }

    /// <summary>Reads a checkpoint folder's sidecar alone (its tensor files are neither read nor verified); anything wrong is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static CheckpointSidecar LoadSidecar(string folder)
    {
        var sidecarPath = Path.Combine(folder, SidecarFile);
        if (!File.Exists(sidecarPath))
            throw new InvalidDataException($"{folder} is not a complete checkpoint: it has no {SidecarFile}.");
        CheckpointSidecar sidecar;
        try
        {
            sidecar = JsonSerializer.Deserialize<CheckpointSidecar>(File.ReadAllText(sidecarPath), SpecJson.OutputOptions)
                      ?? throw new InvalidDataException($"{sidecarPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sidecarPath} is not a checkpoint sidecar ({e.Message}).");
        }
        if (sidecar.Format != CheckpointSidecar.CurrentFormat)
            throw new InvalidDataException($"{sidecarPath} has checkpoint format {sidecar.Format}; this Forge reads format {CheckpointSidecar.CurrentFormat}.");
        return sidecar;
    }

    /// <summary>Reads and verifies one checkpoint folder; anything wrong is an <see cref="InvalidDataException"/> naming the file.</summary>
    public static LoadedCheckpoint Load(string folder)
    {
        var sidecar = LoadSidecar(folder);
        // Each file is read once: hashed, then parsed from the same bytes.
        var modelBytes = VerifiedBytes(folder, ModelFile, sidecar);
        var optimizerBytes = VerifiedBytes(folder, OptimizerFile, sidecar);
        var callbackBytes = sidecar.Sha256.ContainsKey(CallbacksFile) ? VerifiedBytes(folder, CallbacksFile, sidecar) : null;
        var (model, _) = SafeTensors.Read(modelBytes, Path.Combine(folder, ModelFile));
        Dictionary<string, Tensor>? optimizer = null;
        try
        {
            (optimizer, _) = SafeTensors.Read(optimizerBytes, Path.Combine(folder, OptimizerFile));
            var callbacks = callbackBytes is null ? null : SafeTensors.Read(callbackBytes, Path.Combine(folder, CallbacksFile)).Tensors;
            return new LoadedCheckpoint(folder, sidecar, model, optimizer, callbacks);
        }
        catch
        {
            foreach (var t in model.Values.Concat(optimizer?.Values ?? Enumerable.Empty<Tensor>()))
                t.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of <paramref name="file"/> in <paramref name="folder"/>, if they match the SHA-256 the sidecar recorded.</summary>
    private static byte[] VerifiedBytes(string folder, string file, CheckpointSidecar sidecar)
    {
        var path = Path.Combine(folder, file);
        if (!File.Exists(path))
            throw new InvalidDataException($"{path} is missing.");
        var bytes = File.ReadAllBytes(path);
        var hash = FileHash.Sha256Of(bytes);
        if (!sidecar.Sha256.TryGetValue(file, out var expected) || !string.Equals(hash, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"{path} is damaged: its SHA-256 is {hash}, the sidecar recorded {expected ?? "none"}.");
        return bytes;
    }

    /// <summary>Removes temporary folders that a killed process left behind.</summary>
    public void RemoveLeftovers()
    {
        if (Directory.Exists(Root))
            foreach (var leftover in Directory.GetDirectories(Root, TempPrefix + "*"))
                TryDelete(leftover);
    }

    private void Prune()
    {
        var kept = 0;
        foreach (var folder in Folders())
        {
            if (kept++ < _options.KeepLast)
                continue;
            if (IsPermanent(folder))
                continue;
            Discard(folder);
        }
    }

    private static bool IsPermanent(string folder)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, SidecarFile))).RootElement.TryGetProperty("permanent", out var p) && p.GetBoolean();
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static int? StepOf(string folder) =>
        int.TryParse(Path.GetFileName(folder).AsSpan("step-".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;

    /// <summary>Writes a file, hashing it as it goes, and flushes it to the disk (fsync); returns its SHA-256.</summary>
    private static string WriteDurably(string path, Action<Stream> write)
    {
        using var sha256 = SHA256.Create();
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            using (var hashing = new CryptoStream(file, sha256, CryptoStreamMode.Write, leaveOpen: true))
            {
                write(hashing);
                hashing.FlushFinalBlock();
            }
            file.Flush(flushToDisk: true);
        }
        return Convert.ToHexStringLower(sha256.Hash!);
    }

    /// <summary>
    /// Deletes a checkpoint without ever leaving a partly deleted one under its name: it is first renamed to a hidden
    /// temporary name (atomic), then deleted; a kill in between leaves a leftover that <see cref="RemoveLeftovers"/> clears.
    /// </summary>
    private void Discard(string folder)
    {
        var doomed = Path.Combine(Root, $"{TempPrefix}discard-{Path.GetFileName(folder)}-{Environment.ProcessId}");
        try
        {
            Directory.Move(folder, doomed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // kept: harmless
        }
        TryDelete(doomed);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // a leftover is ignored by every reader and removed next time
        }
    }
}
