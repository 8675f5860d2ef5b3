using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Forge.Core.Errors;

namespace Forge.Core.Corpora;

/// <summary>What <c>forge prepare</c> is asked to do.</summary>
/// <param name="Inputs">Text or JSONL files (gzip allowed) and folders of them.</param>
/// <param name="Tokenizer">A <see cref="TextTokenizer"/> name.</param>
/// <param name="Output">The folder train.bin, val.bin and meta.json go to.</param>
/// <param name="ValidationFraction">The fraction of the corpus's characters, taken from its end, held out.</param>
/// <param name="Llmc">llm.c's format instead of nanoGPT's raw tokens.</param>
/// <param name="Field">The JSONL field that holds each document's text.</param>
public sealed record PrepareOptions(IReadOnlyList<string> Inputs, string Tokenizer, string Output, double ValidationFraction = 0.1, bool Llmc = false, string Field = "text");

/// <summary>What a preparation wrote.</summary>
public sealed record PrepareResult(string Folder, long TrainTokens, long ValTokens, int VocabularySize, long Characters, long Bytes, TimeSpan Elapsed);

/// <summary>
/// <c>forge prepare</c>: encodes a corpus into <c>train.bin</c>, <c>val.bin</c> and <c>meta.json</c> for the
/// <c>tokens</c> dataset, in two streaming passes (the first counts characters, collects <c>char</c>'s vocabulary and
/// hashes the inputs; the second encodes), so memory does not grow with the corpus. The held-out part is the last
/// <see cref="PrepareOptions.ValidationFraction"/> of the corpus's characters (the <c>text</c> dataset's rule), and
/// each part is encoded on its own. Files are written under temporary names and renamed when complete.
/// </summary>
public static class CorpusPreparation
{
    public static PrepareResult Run(PrepareOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!(options.ValidationFraction > 0 && options.ValidationFraction <= 0.5))
            throw new RunSetupException($"--val-fraction: {options.ValidationFraction} is not in (0, 0.5]; the held-out part is that fraction of the corpus's characters, taken from its end.");
        var tokenizer = TextTokenizer.Create(options.Tokenizer);
        var reader = new CorpusReader(options.Inputs, options.Field);
        var files = reader.Files();
        if (files.Count == 0)
            throw new RunSetupException($"prepare: the inputs ({string.Join(", ", options.Inputs)}) hold no .txt or .jsonl files (gzip allowed).");
        var clock = Stopwatch.StartNew();

        long characters = 0, bytes = 0;
        var distinct = new HashSet<char>();
        var hashes = new JsonArray();
        foreach (var file in files)
        {
            using var sha256 = SHA256.Create(); // fed by the first pass's reading: each input is read twice in all, not three times
            foreach (var document in reader.Documents(file, sha256))
                foreach (var piece in document)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    characters += piece.Length;
                    if (tokenizer.NeedsCharacters)
                        distinct.UnionWith(piece);
                }
            long length = new FileInfo(file).Length;
            bytes += length;
            hashes.Add(new JsonObject { ["path"] = Path.GetFullPath(file), ["bytes"] = length, ["sha256"] = Convert.ToHexStringLower(sha256.Hash!) });
        }
        if (characters == 0)
            throw new RunSetupException($"prepare: the corpus ({string.Join(", ", options.Inputs)}) is empty: it has no characters to encode.");
        if (tokenizer.NeedsCharacters)
            tokenizer = tokenizer.WithCharacters(distinct);

        long held = (long)(characters * options.ValidationFraction), split = characters - held;
        int bytesPerToken = tokenizer.VocabularySize <= 1 << 16 ? 2 : 4;
        Directory.CreateDirectory(options.Output);
        using var train = new TokenFileWriter(Path.Combine(options.Output, "train.bin"), options.Llmc, bytesPerToken);
        using var val = new TokenFileWriter(Path.Combine(options.Output, "val.bin"), options.Llmc, bytesPerToken);
        long position = 0;
        foreach (var file in files)
        {
            progress?.Invoke($"encoding {file}");
            foreach (var document in reader.Documents(file))
                foreach (var piece in document)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (position + piece.Length <= split)
                        train.Append(tokenizer.Encode(piece));
                    else if (position >= split)
                        val.Append(tokenizer.Encode(piece));
                    else
                    {
                        int cut = (int)(split - position);
                        train.Append(tokenizer.Encode(piece[..cut]));
                        val.Append(tokenizer.Encode(piece[cut..]));
                    }
                    position += piece.Length;
                }
        }
        train.Complete();
        val.Complete();

        var meta = new JsonObject
        {
            ["tokenizer"] = tokenizer.Name,
            ["tokenizerVersion"] = tokenizer.Version,
            ["vocabSize"] = tokenizer.VocabularySize,
            ["dtype"] = bytesPerToken == 2 ? "uint16" : "uint32",
            ["format"] = options.Llmc ? "llmc" : "nanogpt",
            ["trainTokens"] = train.Count,
            ["valTokens"] = val.Count,
            ["characters"] = characters,
            ["split"] = $"the last {options.ValidationFraction} of the corpus's {characters} characters ({held}) is held out; each part encoded on its own",
            ["inputs"] = hashes,
        };
        var metaPath = Path.Combine(options.Output, "meta.json");
        File.WriteAllText(metaPath + ".partial", meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        File.Move(metaPath + ".partial", metaPath, overwrite: true);
        return new PrepareResult(Path.GetFullPath(options.Output), train.Count, val.Count, tokenizer.VocabularySize, characters, bytes, clock.Elapsed);
    }
}
