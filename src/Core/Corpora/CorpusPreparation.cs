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
/// <param name="Workers">Pieces encoded at once (default: one per core).</param>
public sealed record PrepareOptions(IReadOnlyList<string> Inputs, string Tokenizer, string Output, double ValidationFraction = 0.1, bool Llmc = false, string Field = "text",
    int? Workers = null);

/// <summary>How far the encoding pass is: characters of the corpus encoded so far, their UTF-8 bytes and the tokens written.</summary>
public sealed record PrepareProgress(long Characters, long TotalCharacters, long Bytes, long Tokens, TimeSpan Elapsed);

/// <summary>What a preparation wrote.</summary>
public sealed record PrepareResult(string Folder, long TrainTokens, long ValTokens, int VocabularySize, long Characters, long Bytes, TimeSpan Elapsed);

/// <summary>
/// <c>forge prepare</c>: encodes a corpus into <c>train.bin</c>, <c>val.bin</c> and <c>meta.json</c> for the
/// <c>tokens</c> dataset, in two streaming passes (the first counts characters, collects <c>char</c>'s vocabulary and
/// hashes the inputs; the second encodes), so memory does not grow with the corpus. The second pass encodes a few
/// pieces per core at a time in parallel and writes them in order. The held-out part is the last
/// <see cref="PrepareOptions.ValidationFraction"/> of the corpus's characters (the <c>text</c> dataset's rule), and
/// each part is encoded on its own. Documents (files, JSONL lines) are separated by the tokenizer's end-of-text token
/// where it has one (GPT-2's <c>&lt;|endoftext|&gt;</c>, as nanoGPT's OpenWebText preparation does), so a single text
/// file gives exactly the tokens of encoding it whole. Files are written under temporary names and renamed when
/// complete.
/// </summary>
public static class CorpusPreparation
{
    public static PrepareResult Run(PrepareOptions options, Action<PrepareProgress>? progress = null, CancellationToken cancellationToken = default)
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
            hashes.Add(new JsonObject { ["path"] = Path.GetRelativePath(Path.GetFullPath(options.Output), Path.GetFullPath(file)), ["bytes"] = length, ["sha256"] = Convert.ToHexStringLower(sha256.Hash!) });
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
        var done = new PrepareProgress(0, characters, 0, 0, TimeSpan.Zero);
        long trainBytes = 0, valBytes = 0;
        var pending = new List<Piece>();
        long pendingCharacters = 0;
        int workers = Math.Max(1, options.Workers ?? Environment.ProcessorCount);
        long batchCharacters = (long)workers * 2 * CorpusReader.PieceCharacters;
        using var copies = new ThreadLocal<TextTokenizer>(() => workers == 1 ? tokenizer : tokenizer.Copy()); // one per thread: no shared cache to contend for
        void EncodeAndWrite()
        {
            var encoded = new IReadOnlyList<int>[pending.Count];
            Parallel.For(0, pending.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = workers }, i => encoded[i] = copies.Value!.Encode(pending[i].Text));
            for (int i = 0; i < pending.Count; i++)
            {
                var writer = pending[i].HeldOut ? val : train;
                if (pending[i].StartsDocument && tokenizer.EndOfText is { } separator && writer.Count > 0)
                    writer.Append(new[] { separator });
                writer.Append(encoded[i]);
                int bytes = System.Text.Encoding.UTF8.GetByteCount(pending[i].Text);
                if (pending[i].HeldOut)
                    valBytes += bytes;
                else
                    trainBytes += bytes;
                done = done with { Characters = done.Characters + pending[i].Text.Length, Bytes = done.Bytes + bytes };
            }
            done = done with { Tokens = train.Count + val.Count, Elapsed = clock.Elapsed };
            progress?.Invoke(done);
            pending.Clear();
            pendingCharacters = 0;
        }
        void Add(string text, bool heldOut, bool startsDocument)
        {
            pending.Add(new Piece(text, heldOut, startsDocument));
            pendingCharacters += text.Length;
            if (pendingCharacters >= batchCharacters || pending.Count >= 4096)
                EncodeAndWrite();
        }

        long position = 0;
        foreach (var file in files)
            foreach (var document in reader.Documents(file))
            {
                bool first = true;
                foreach (var piece in document)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (position + piece.Length <= split)
                        Add(piece, heldOut: false, first);
                    else if (position >= split)
                        Add(piece, heldOut: true, first);
                    else
                    {
                        int cut = (int)(split - position);
                        Add(piece[..cut], heldOut: false, first);
                        Add(piece[cut..], heldOut: true, startsDocument: false);
                    }
                    position += piece.Length;
                    first = false;
                }
            }
        EncodeAndWrite();
        train.Complete();
        val.Complete();

        var meta = new JsonObject
        {
            ["tokenizer"] = tokenizer.Name,
            ["tokenizerVersion"] = tokenizer.Version,
            ["vocabularyHash"] = tokenizer.VocabularyHash,
            ["vocabSize"] = tokenizer.VocabularySize,
            ["dtype"] = bytesPerToken == 2 ? "uint16" : "uint32",
            ["format"] = options.Llmc ? "llmc" : "nanogpt",
            ["trainTokens"] = train.Count,
            ["valTokens"] = val.Count,
            ["trainBytes"] = trainBytes,
            ["valBytes"] = valBytes,
            ["characters"] = characters,
            ["documentSeparator"] = tokenizer.EndOfText is { } eot ? $"token {eot} between documents" : "none (the documents are concatenated)",
            ["split"] = $"the last {options.ValidationFraction} of the corpus's {characters} characters ({held}) is held out; each part encoded on its own",
            ["inputs"] = hashes,
        };
        if (tokenizer.Info.Characters is { } vocabulary)
            meta["vocabulary"] = vocabulary;
        if (tokenizer.Info.ModelFile is { } model)
            meta["tokenizerModel"] = model;
        var metaPath = Path.Combine(options.Output, "meta.json");
        File.WriteAllText(metaPath + ".partial", meta.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        File.Move(metaPath + ".partial", metaPath, overwrite: true);
        return new PrepareResult(Path.GetFullPath(options.Output), train.Count, val.Count, tokenizer.VocabularySize, characters, bytes, clock.Elapsed);
    }

    private sealed record Piece(string Text, bool HeldOut, bool StartsDocument);
}
