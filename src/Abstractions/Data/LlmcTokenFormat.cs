namespace Forge.Abstractions.Data;

/// <summary>
/// llm.c's token-file format, which Forge both writes (<c>forge prepare --format llmc</c>) and reads (the <c>tokens</c>
/// dataset): a header of 256 little-endian int32 (the magic 20240520, a version saying the token size, the token
/// count), then the tokens. Added in 1.2.
/// </summary>
public static class LlmcTokenFormat
{
    /// <summary>The first int32 of the header.</summary>
    public const int Magic = 20240520;

    /// <summary>The header's size in bytes: 256 int32.</summary>
    public const int HeaderBytes = 256 * sizeof(int);

    /// <summary>The version llm.c writes for tokens of <paramref name="bytesPerToken"/> bytes: 1 for uint16, 2 for uint32.</summary>
    public static int Version(int bytesPerToken) => bytesPerToken == 2 ? 1 : 2;

    /// <summary>The token size a header's <paramref name="version"/> says (2 or 4 bytes), or null for a version llm.c does not write.</summary>
    public static int? BytesPerToken(int version) => version switch
    {
        1 => 2,
        2 => 4,
        _ => null,
    };
}
