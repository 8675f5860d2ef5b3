using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;

namespace Forge.Plugins.Datasets;

/// <summary>
/// A file of token ids, never read whole: nanoGPT's raw little-endian uint16 (or uint32) tokens, as its
/// <c>prepare.py</c> writes them and <c>np.memmap</c> reads them, or llm.c's format (a header of 256 int32: magic
/// 20240520, version 1 for uint16 tokens or 2 for uint32, the token count; then the tokens). Windows are read with
/// positional reads (<see cref="RandomAccess"/>), so the operating system's page cache holds what was read and the
/// process's own memory does not grow with the corpus, as a memory map's resident pages would.
/// </summary>
public sealed class TokenFile : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly long _offset;

    private TokenFile(string path, SafeFileHandle handle, long offset, int bytesPerToken, long count)
    {
        Path = path;
        _handle = handle;
        _offset = offset;
        BytesPerToken = bytesPerToken;
        Count = count;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>2 (uint16) or 4 (uint32).</summary>
    public int BytesPerToken { get; }

    /// <summary>Tokens in the file.</summary>
    public long Count { get; }

    /// <summary>Bytes before the first token: llm.c's header, or 0.</summary>
    public long HeaderBytes => _offset;

    /// <summary>
    /// Opens <paramref name="path"/>: llm.c's format when it starts with llm.c's magic, otherwise raw tokens of
    /// <paramref name="rawBytesPerToken"/> bytes. A missing, empty or truncated file, a wrong llm.c version or a count
    /// that disagrees with the file's size is a <see cref="PluginException"/> naming <paramref name="field"/>, the file
    /// and the byte where it goes wrong.
    /// </summary>
    public static TokenFile Open(string path, int rawBytesPerToken, string field)
    {
        if (!File.Exists(path))
            throw new PluginException($"{field}: the token file '{path}' does not exist. Point it at a folder with train.bin and val.bin (nanoGPT's or llm.c's token files), or at the files themselves.");
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginException($"{field}: cannot read the token file '{path}' ({e.Message}).", e);
        }
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length == 0)
                throw new PluginException($"{field}: the token file '{path}' is empty.");
            Span<byte> header = stackalloc byte[12];
            if (length >= LlmcTokenFormat.HeaderBytes && RandomAccess.Read(handle, header, 0) == 12 && BinaryPrimitives.ReadInt32LittleEndian(header) == LlmcTokenFormat.Magic)
            {
                int version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
                long count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
                int bytes = LlmcTokenFormat.BytesPerToken(version)
                    ?? throw new PluginException($"{field}: '{path}' has llm.c's magic {LlmcTokenFormat.Magic} but version {version} at byte 4; llm.c writes version 1 (uint16 tokens) or 2 (uint32 tokens).");
                long expected = LlmcTokenFormat.HeaderBytes + count * bytes;
                if (length != expected)
                    throw new PluginException($"{field}: '{path}' is an llm.c token file whose header says {count} tokens ({expected} bytes with the header), but the file has {length} bytes: it is truncated or was not written whole. Prepare it again.");
                return new TokenFile(path, handle, LlmcTokenFormat.HeaderBytes, bytes, count);
            }
            if (length % rawBytesPerToken != 0)
                throw new PluginException($"{field}: '{path}' has {length} bytes, not a whole number of {rawBytesPerToken}-byte tokens (uint{8 * rawBytesPerToken}): the last token is cut off at byte {length - length % rawBytesPerToken}. The file is truncated, or its tokens are of another size.");
            return new TokenFile(path, handle, 0, rawBytesPerToken, length / rawBytesPerToken);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Copies <paramref name="destination"/>.Length tokens from token index <paramref name="start"/>.</summary>
    public void Read(long start, Span<long> destination)
    {
        var bytes = new byte[destination.Length * BytesPerToken];
        int read = RandomAccess.Read(_handle, bytes, _offset + start * BytesPerToken);
        if (read != bytes.Length)
            throw new IOException($"'{Path}' ended after {start + read / BytesPerToken} tokens while reading tokens {start}..{start + destination.Length}; it changed while in use.");
        if (BytesPerToken == 2)
        {
            var tokens = MemoryMarshal.Cast<byte, ushort>(bytes);
            for (int i = 0; i < destination.Length; i++)
                destination[i] = BitConverter.IsLittleEndian ? tokens[i] : BinaryPrimitives.ReverseEndianness(tokens[i]);
        }
        else
        {
            var tokens = MemoryMarshal.Cast<byte, uint>(bytes);
            for (int i = 0; i < destination.Length; i++)
                destination[i] = BitConverter.IsLittleEndian ? tokens[i] : BinaryPrimitives.ReverseEndianness(tokens[i]);
        }
    }

    /// <summary>
    /// The first token that is not below <paramref name="vocabularySize"/>, as (index, value), or null: reads the file
    /// once in 1 MiB pieces (the page cache keeps it; the process does not).
    /// </summary>
    public (long Index, long Value)? FirstTokenAtOrAbove(long vocabularySize)
    {
        const int chunk = 1 << 19; // tokens per read
        var buffer = new long[chunk];
        for (long start = 0; start < Count; start += chunk)
        {
            int n = (int)Math.Min(chunk, Count - start);
            var span = buffer.AsSpan(0, n);
            Read(start, span);
            for (int i = 0; i < n; i++)
                if (span[i] >= vocabularySize)
                    return (start + i, span[i]);
        }
        return null;
    }

    public void Dispose() => _handle.Dispose();
}
