using Forge.Abstractions.Data;

namespace Forge.Core.Corpora;

/// <summary>
/// Writes a token file under a temporary name and renames it to its final name only when <see cref="Complete"/> is
/// called, so an interrupted preparation never leaves a half file under the final name: nanoGPT's raw little-endian
/// uint16/uint32 tokens, or llm.c's format (256-int32 header: magic 20240520, version 1 for uint16 or 2 for uint32,
/// the token count).
/// </summary>
public sealed class TokenFileWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly BinaryWriter _writer;
    private readonly bool _llmc;
    private readonly int _bytesPerToken;
    private bool _completed;

    public TokenFileWriter(string path, bool llmc, int bytesPerToken)
    {
        (_path, _llmc, _bytesPerToken) = (path, llmc, bytesPerToken);
        _temporary = path + ".partial";
        _stream = new FileStream(_temporary, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _writer = new BinaryWriter(_stream);
        if (llmc)
            _writer.Write(new byte[LlmcTokenFormat.HeaderBytes]); // the header, filled in by Complete
    }

    /// <summary>Tokens written.</summary>
    public long Count { get; private set; }

    public void Append(IReadOnlyList<int> tokens)
    {
        foreach (int token in tokens)
        {
            if (_bytesPerToken == 2)
                _writer.Write((ushort)token);
            else
                _writer.Write((uint)token);
        }
        Count += tokens.Count;
    }

    /// <summary>Writes the header (llm.c), flushes and gives the file its final name.</summary>
    public void Complete()
    {
        if (_llmc)
        {
            if (Count > int.MaxValue)
                throw new InvalidOperationException($"llm.c's header holds an int32 token count; {Count} tokens do not fit.");
            _writer.Seek(0, SeekOrigin.Begin);
            _writer.Write(LlmcTokenFormat.Magic);
            _writer.Write(LlmcTokenFormat.Version(_bytesPerToken));
            _writer.Write((int)Count);
        }
        _writer.Flush();
        _stream.Flush(flushToDisk: true);
        _writer.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        _completed = true;
    }

    public void Dispose()
    {
        if (_completed)
            return;
        _writer.Dispose();
        File.Delete(_temporary);
    }
}
