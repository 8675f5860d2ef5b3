using System.Security.Cryptography;

namespace Forge.Core.Files;

/// <summary>SHA-256 as lower-case hex, the form Forge records and compares (sweep specs, checkpoint files, plugin pins).</summary>
public static class FileHash
{
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static string Sha256Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
