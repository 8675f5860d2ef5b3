using Microsoft.ML.Tokenizers;
using Forge.Core.Errors;

namespace Forge.Core.Corpora;

/// <summary>
/// A tokenizer <c>forge prepare</c> encodes a corpus with: <c>char</c> (the corpus's distinct characters, in order, as
/// the <c>text</c> dataset builds its vocabulary) or a tiktoken encoding through Microsoft.ML.Tokenizers, whose data
/// packages ship the vocabularies (nothing is downloaded): <c>gpt2</c>, <c>r50k</c>, <c>cl100k</c>, <c>o200k</c>.
/// </summary>
public abstract class TextTokenizer
{
    /// <summary>The names <see cref="Create"/> accepts.</summary>
    public static readonly IReadOnlyList<string> Names = new[] { "char", "gpt2", "r50k", "cl100k", "o200k" };

    /// <summary>The name it was created by.</summary>
    public abstract string Name { get; }

    /// <summary>What identifies its vocabulary (the library and encoding, or the characters' count and hash).</summary>
    public abstract string Version { get; }

    /// <summary>Number of token ids (one more than the largest).</summary>
    public abstract int VocabularySize { get; }

    /// <summary>Whether encoding needs the corpus's characters first (<see cref="WithCharacters"/>).</summary>
    public virtual bool NeedsCharacters => false;

    /// <summary>The token ids of <paramref name="text"/>.</summary>
    public abstract IReadOnlyList<int> Encode(string text);

    /// <summary>The tokenizer given the corpus's distinct characters (char only; others return themselves).</summary>
    public virtual TextTokenizer WithCharacters(IEnumerable<char> characters) => this;

    /// <summary>The tokenizer named <paramref name="name"/>; an unknown name is a <see cref="RunSetupException"/> with the closest name.</summary>
    public static TextTokenizer Create(string name) => name switch
    {
        "char" => new CharTokenizer(Array.Empty<char>()),
        // vocabulary sizes: tiktoken's n_vocab for each encoding (the largest id, a special token, plus one)
        "gpt2" => new Tiktoken("gpt2", 50257, () => TiktokenTokenizer.CreateForModel("gpt2")),
        "r50k" => new Tiktoken("r50k", 50257, () => TiktokenTokenizer.CreateForEncoding("r50k_base")),
        "cl100k" => new Tiktoken("cl100k", 100277, () => TiktokenTokenizer.CreateForEncoding("cl100k_base")),
        "o200k" => new Tiktoken("o200k", 200019, () => TiktokenTokenizer.CreateForEncoding("o200k_base")),
        _ => throw new RunSetupException($"--tokenizer: unknown tokenizer '{name}'; {Forge.Core.Specs.ClosestName.Hint(name, Names)}known: {string.Join(", ", Names)}."),
    };

    /// <summary>The vocabulary of distinct characters, sorted by code unit.</summary>
    private sealed class CharTokenizer(char[] characters) : TextTokenizer
    {
        private readonly Dictionary<char, int> _index = characters.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);

        public override string Name => "char";

        public override string Version => $"{characters.Length} characters, sha256 {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(characters)))[..16]}";

        public override int VocabularySize => characters.Length;

        public override bool NeedsCharacters => characters.Length == 0;

        public override IReadOnlyList<int> Encode(string text)
        {
            var ids = new int[text.Length];
            for (int i = 0; i < text.Length; i++)
                ids[i] = _index[text[i]];
            return ids;
        }

        public override TextTokenizer WithCharacters(IEnumerable<char> all) => new CharTokenizer(all.Distinct().Order().ToArray());
    }

    private sealed class Tiktoken : TextTokenizer
    {
        private readonly TiktokenTokenizer _tokenizer;

        public Tiktoken(string name, int vocabularySize, Func<TiktokenTokenizer> create)
        {
            Name = name;
            _tokenizer = create();
            VocabularySize = vocabularySize;
        }

        public override string Name { get; }

        public override string Version => $"Microsoft.ML.Tokenizers {LibraryVersion}, {Name}";

        private static string LibraryVersion =>
            (System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(TiktokenTokenizer).Assembly)?.InformationalVersion ?? "?").Split('+')[0];

        public override int VocabularySize { get; }

        public override IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);
    }
}
