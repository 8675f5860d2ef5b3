namespace Forge.Core.Files;

/// <summary>
/// Replaces a file's contents all at once: the text goes to <c>path.tmp</c>, which is then renamed over the file, so
/// a reader (or a process killed midway) sees the old file or the new one, never half of one.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static async Task WriteAllTextAsync(string path, string text, CancellationToken cancellationToken = default)
    {
        await File.WriteAllTextAsync(path + ".tmp", text, cancellationToken);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
