using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forge.Core.Errors;

namespace Forge.Core.Corpora;

/// <summary>
/// The documents of a corpus, streamed: plain text files (each one document), JSONL files (each line an object whose
/// <c>field</c> is one document), gzip of either (<c>.gz</c>), and folders of them (recursively, in path order). A text
/// file is delivered in pieces of about 1 MiB characters, cut where a newline is followed by a character that is not
/// whitespace: tiktoken's pre-tokenizers (gpt2, r50k, cl100k, o200k) always split there, so encoding the pieces gives
/// the tokens of encoding the whole file.
/// </summary>
public sealed class CorpusReader(IReadOnlyList<string> inputs, string field = "text")
{
    /// <summary>About how many characters a piece of a text file holds.</summary>
    public const int PieceCharacters = 1 << 20;

    /// <summary>The files the inputs name, in order (a missing input is a <see cref="RunSetupException"/>).</summary>
    public IReadOnlyList<string> Files()
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Where(IsCorpusFile).Order(StringComparer.Ordinal));
            else if (File.Exists(input))
                files.Add(input);
            else
                throw new RunSetupException($"prepare: the input '{input}' does not exist; give text files (.txt), JSONL files (.jsonl), gzip of either, or folders of them.");
        }
        return files;
    }

    /// <summary>
    /// Each document of <paramref name="file"/> as pieces of text (a piece never spans two documents). With
    /// <paramref name="hash"/>, the file's bytes (as stored, before gzip is undone) go through it as they are read, so
    /// that reading every piece also hashes the file.
    /// </summary>
    public IEnumerable<IEnumerable<string>> Documents(string file, HashAlgorithm? hash = null)
    {
        if (IsJsonLines(file))
        {
            int line = 0;
            using var reader = Open(file, hash);
            while (reader.ReadLine() is { } text)
            {
                line++;
                if (text.Length == 0)
                    continue;
                yield return new[] { Field(file, line, text) };
            }
        }
        else
            yield return Pieces(file, hash);
    }

    private IEnumerable<string> Pieces(string file, HashAlgorithm? hash)
    {
        using var reader = Open(file, hash);
        var buffer = new char[PieceCharacters];
        var pending = new StringBuilder();
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            pending.Append(buffer, 0, read);
            if (pending.Length < PieceCharacters)
                continue;
            int cut = SafeCut(pending);
            if (cut > 0)
            {
                yield return pending.ToString(0, cut);
                pending.Remove(0, cut);
            }
        }
        if (pending.Length > 0)
            yield return pending.ToString();
    }

    /// <summary>The last index i &gt; 0 with text[i − 1] a newline and text[i] not whitespace, or 0.</summary>
    private static int SafeCut(StringBuilder text)
    {
        for (int i = text.Length - 1; i > 0; i--)
            if (text[i - 1] == '\n' && !char.IsWhiteSpace(text[i]))
                return i;
        return 0;
    }

    private string Field(string file, int line, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                return value.GetString()!;
        }
        catch (JsonException e)
        {
            throw new RunSetupException($"prepare: '{file}' line {line} is not JSON ({e.Message.Split('\n')[0]}); each line of a .jsonl file must be one JSON object.", e);
        }
        throw new RunSetupException($"prepare: '{file}' line {line} has no string field \"{field}\"; name the field that holds the text with --field.");
    }

    private static StreamReader Open(string file, HashAlgorithm? hash)
    {
        Stream stream = File.OpenRead(file);
        if (hash is not null)
            stream = new CryptoStream(stream, hash, CryptoStreamMode.Read);
        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: false));
    }

    private static bool IsJsonLines(string file) =>
        file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase);

    private static bool IsCorpusFile(string file) =>
        file.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".txt.gz", StringComparison.OrdinalIgnoreCase) || IsJsonLines(file);
}
