using System.Security.Cryptography;
using System.Text;
using Forge.Abstractions.Data;
using Forge.Core.Errors;
using Microsoft.ML.Tokenizers;

namespace Forge.Core.Corpora;

/// <summary>
/// A tokenizer Forge encodes corpora with and decodes model outputs with: <c>char</c> (a corpus's distinct characters,
/// in order, as the <c>text</c> dataset builds its vocabulary), a tiktoken encoding through Microsoft.ML.Tokenizers,
/// whose data packages ship the vocabularies (nothing is downloaded): <c>gpt2</c>, <c>r50k</c>, <c>cl100k</c>,
/// <c>o200k</c>, or a SentencePiece model file (such as Llama's <c>tokenizer.model</c>) the user supplies.
/// </summary>
public abstract class TextTokenizer
{
    /// <summary>The names <see cref="Create"/> accepts besides a SentencePiece model file.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "char", "gpt2", "r50k", "cl100k", "o200k" };

    /// <summary>Its name as datasets and checkpoints record it (<c>sentencepiece</c> for a model file).</summary>
    public abstract string Name { get; }

    /// <summary>What identifies the implementation and its vocabulary, for people (the library and encoding, or the characters' count).</summary>
    public abstract string Version { get; }

    /// <summary>Number of token ids (one more than the largest).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>SHA-256 (hex) of the vocabulary: ids with their characters or decoded text, special tokens included, or of the model file.</summary>
    public abstract string VocabularyHash { get; }

    /// <summary>The id that separates documents (tiktoken's <c>&lt;|endoftext|&gt;</c>, SentencePiece's end of sentence), or null (<c>char</c>).</summary>
    public virtual int? EndOfText => null;

    /// <summary>Whether encoding needs the corpus's characters first (<see cref="WithCharacters"/>).</summary>
    public virtual bool NeedsCharacters => false;

    /// <summary>How a dataset names this tokenizer.</summary>
    public virtual TokenizerInfo Info => new(Name) { VocabularyHash = VocabularyHash };

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    public abstract IReadOnlyList<int> Encode(string text);

    /// <summary>The text of <paramref name="ids"/> (bytes that do not complete a character decode as U+FFFD).</summary>
    public abstract string Decode(IReadOnlyList<int> ids);

    /// <summary>An instance of the same tokenizer with its own caches, for another thread (stateless ones return themselves).</summary>
    public virtual TextTokenizer Copy() => this;

    /// <summary>The tokenizer given the corpus's distinct characters (char only; others return themselves).</summary>
    public virtual TextTokenizer WithCharacters(IEnumerable<char> characters) => this;

    /// <summary>
    /// The tokenizer named <paramref name="name"/>, or the SentencePiece model file at that path; an unknown name is a
    /// <see cref="RunSetupException"/> with the closest name.
    /// </summary>
    public static TextTokenizer Create(string name) => name switch
    {
        "char" => new CharTokenizer(Array.Empty<char>()),
        "gpt2" => new Tiktoken("gpt2", () => TiktokenTokenizer.CreateForModel("gpt2")),
        "r50k" => new Tiktoken("r50k", () => TiktokenTokenizer.CreateForEncoding("r50k_base")),
        "cl100k" => new Tiktoken("cl100k", () => TiktokenTokenizer.CreateForEncoding("cl100k_base")),
        "o200k" => new Tiktoken("o200k", () => TiktokenTokenizer.CreateForEncoding("o200k_base")),
        _ when File.Exists(name) => SentencePiece.Open(name),
        _ => throw new RunSetupException($"--tokenizer: unknown tokenizer '{name}'; {Forge.Core.Specs.ClosestName.Hint(name, Names)}known: {string.Join(", ", Names)}, or the path of a SentencePiece .model file."),
    };

    /// <summary>
    /// The tokenizer a dataset or checkpoint describes, checked against the vocabulary hash it recorded; one that cannot
    /// be built (a missing model file, char without its characters, another vocabulary) is a <see cref="RunSetupException"/>
    /// that starts with <paramref name="where"/>.
    /// </summary>
    public static TextTokenizer From(TokenizerInfo info, string where)
    {
        TextTokenizer tokenizer;
        if (info.Name == "char")
            tokenizer = info.Characters is { Length: > 0 } characters ? new CharTokenizer(characters.ToCharArray())
                : throw new RunSetupException($"{where}: the tokenizer is char, but its characters were not recorded (token files prepared before Forge recorded them in meta.json); prepare the corpus again with forge prepare --tokenizer char.");
        else if (info.Name == "sentencepiece")
            tokenizer = info.ModelFile is { } file && File.Exists(file) ? SentencePiece.Open(file)
                : throw new RunSetupException($"{where}: the tokenizer is the SentencePiece model file '{info.ModelFile}', which cannot be found; put the file back at that path (the checkpoint records where it was, not its contents).");
        else if (Names.Contains(info.Name))
            tokenizer = Create(info.Name);
        else
            throw new RunSetupException($"{where}: the tokenizer '{info.Name}' is not one this Forge has ({string.Join(", ", Names)}, sentencepiece); use a Forge that knows it.");
        if (info.VocabularyHash is { } expected && !string.Equals(expected, tokenizer.VocabularyHash, StringComparison.OrdinalIgnoreCase))
            throw new RunSetupException($"{where}: the tokenizer {info.Name} here has vocabulary SHA-256 {tokenizer.VocabularyHash[..16]}…, not the {expected[..Math.Min(16, expected.Length)]}… recorded; the vocabulary changed since the data was prepared (another model file or library version).");
        return tokenizer;
    }

    private static string Hex(byte[] hash) => Convert.ToHexStringLower(hash);

    private static string LibraryVersion =>
        (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(TiktokenTokenizer).Assembly)?.InformationalVersion ?? "?").Split('+')[0];

    /// <summary>The vocabulary of distinct characters, sorted by code unit.</summary>
    private sealed class CharTokenizer(char[] characters) : TextTokenizer
    {
        private readonly Dictionary<char, int> _index = characters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

        public override string Name => "char";

        public override string Version => $"{characters.Length} characters";

        public override int VocabularySize => characters.Length;

        public override string VocabularyHash => Hex(SHA256.HashData(Encoding.UTF8.GetBytes(characters)));

        public override bool NeedsCharacters => characters.Length == 0;

        public override TokenizerInfo Info => base.Info with { Characters = new string(characters) };

        public override IReadOnlyList<int> Encode(string text)
        {
            var ids = new int[text.Length];
            for (int i = 0; i < text.Length; i++)
                ids[i] = _index.TryGetValue(text[i], out int id) ? id
                    : throw new RunSetupException($"the text has the character '{text[i]}' (U+{(int)text[i]:X4}), which is not in this char vocabulary of {characters.Length} characters; use only characters of the training corpus.");
            return ids;
        }

        public override string Decode(IReadOnlyList<int> ids)
        {
            var text = new char[ids.Count];
            for (int i = 0; i < ids.Count; i++)
                text[i] = ids[i] >= 0 && ids[i] < characters.Length ? characters[ids[i]] : '\uFFFD';
            return new string(text);
        }

        public override TextTokenizer WithCharacters(IEnumerable<char> all) => new CharTokenizer(all.Distinct().Order().ToArray());
    }

    private sealed class Tiktoken(string name, Func<TiktokenTokenizer> create) : TextTokenizer
    {
        public override TextTokenizer Copy() => new Tiktoken(Name, create);

        private readonly TiktokenTokenizer _tokenizer = create();
        private string? _hash;

        public override string Name { get; } = name;

        public override string Version => $"Microsoft.ML.Tokenizers {LibraryVersion}, {Name}";

        // tiktoken's n_vocab for each encoding: the largest id, a special token, plus one
        public override int VocabularySize => TokenizerInfo.KnownVocabularySize(Name)!.Value;

        public override int? EndOfText => _tokenizer.SpecialTokens?.TryGetValue("<|endoftext|>", out int id) == true ? id : null;

        public override string VocabularyHash => _hash ??= Hash();

        public override IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

        public override string Decode(IReadOnlyList<int> ids) => _tokenizer.Decode(ids.Where(id => id >= 0 && id < VocabularySize));

        private string Hash()
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            Span<byte> number = stackalloc byte[8];
            var one = new int[1];
            for (int id = 0; id < VocabularySize; id++)
            {
                one[0] = id;
                var bytes = Encoding.UTF8.GetBytes(_tokenizer.Decode(one)); // the library exposes each token's text, not its bytes
                BitConverter.TryWriteBytes(number[..4], id);
                BitConverter.TryWriteBytes(number[4..], bytes.Length);
                sha.AppendData(number);
                sha.AppendData(bytes);
            }
            foreach (var (token, id) in (_tokenizer.SpecialTokens ?? new Dictionary<string, int>()).OrderBy(p => p.Value))
            {
                BitConverter.TryWriteBytes(number[..4], id);
                sha.AppendData(number[..4]);
                sha.AppendData(Encoding.UTF8.GetBytes(token));
            }
            return Hex(sha.GetHashAndReset());
        }
    }

    private sealed class SentencePiece(string file, byte[] model, SentencePieceTokenizer tokenizer) : TextTokenizer
    {
        public static SentencePiece Open(string file)
        {
            var path = Path.GetFullPath(file);
            var bytes = File.ReadAllBytes(path);
            try
            {
                return new SentencePiece(path, bytes, SentencePieceTokenizer.Create(new MemoryStream(bytes), addBeginningOfSentence: false, addEndOfSentence: false));
            }
            catch (Exception e) when (e is not RunSetupException)
            {
                throw new RunSetupException($"tokenizer: '{path}' is not a SentencePiece model file ({e.Message.Split('\n')[0]}); give the .model file SentencePiece training writes (Llama's tokenizer.model is one).", e);
            }
        }

        public override string Name => "sentencepiece";

        public override TextTokenizer Copy() => Open(file);

        public override string Version => $"Microsoft.ML.Tokenizers {LibraryVersion}, SentencePiece {Path.GetFileName(file)}";

        public override int VocabularySize { get; } = tokenizer.Vocabulary.Values.DefaultIfEmpty(-1).Max() + 1;

        public override string VocabularyHash { get; } = Hex(SHA256.HashData(model));

        public override int? EndOfText => tokenizer.EndOfSentenceId;

        public override TokenizerInfo Info => base.Info with { ModelFile = file };

        public override IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false);

        public override string Decode(IReadOnlyList<int> ids) => tokenizer.Decode(ids.Where(id => id >= 0 && id < VocabularySize));
    }
}
