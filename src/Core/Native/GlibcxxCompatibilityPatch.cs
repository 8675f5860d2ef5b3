using System.Buffers.Binary;
using System.Text;

namespace Forge.Core.Native;

/// <summary>What <see cref="GlibcxxCompatibilityPatch.Apply"/> found and did.</summary>
public enum PatchOutcome
{
    /// <summary>The file was changed: it no longer needs GLIBCXX_3.4.32.</summary>
    Patched,
    /// <summary>The file never needed GLIBCXX_3.4.32, or was patched before; it was left byte-identical.</summary>
    NothingToDo,
    /// <summary>The file needs GLIBCXX_3.4.32 for more than the one symbol this patch knows how to remove.</summary>
    Unpatchable,
}

/// <summary>
/// Makes TorchSharp's native wrapper (<c>libLibTorchSharp.so</c>, built with GCC 13) loadable with the libstdc++ of
/// GCC 12 (Debian 12, Ubuntu 22.04). The wrapper needs GLIBCXX_3.4.32 for exactly one symbol,
/// <c>std::ios_base_library_init()</c>, which GCC 13's &lt;iostream&gt; calls to initialise the standard streams; with an
/// older libstdc++ the streams are initialised by libtorch anyway, so the call can be a no-op.
/// Three fixed-size in-place edits of the ELF64 little-endian image (docs/guide/building.md says why):
/// the symbol's name in .dynstr becomes <c>getpid</c> (a harmless libc function taking no arguments), its entry in
/// .gnu.version becomes 1 (unversioned global), and the GLIBCXX_3.4.32 requirement in .gnu.version_r is marked weak.
/// Idempotent: a patched image, or one that never needed the version, is left byte-identical.
/// </summary>
public static class GlibcxxCompatibilityPatch
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";
    public const string OffendingSymbol = "_ZSt21ios_base_library_initv";
    private const string ReplacementSymbol = "getpid";

    private const uint ShtDynsym = 11;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;
    private const ushort VerNdxGlobal = 1;
    private const int SymbolSize = 24;

    /// <summary>Patches <paramref name="image"/> in place. Throws <see cref="InvalidDataException"/> for a file that is not ELF64 LE.</summary>
    public static PatchOutcome Apply(byte[] image)
    {
        var elf = new ElfView(image);
        var dynsym = elf.SectionOfType(ShtDynsym) ?? throw new InvalidDataException("The file has no .dynsym section.");
        var dynstr = elf.Section(dynsym.Link);
        var versym = elf.SectionOfType(ShtGnuVersym);
        var verneed = elf.SectionOfType(ShtGnuVerneed);
        if (versym is null || verneed is null)
            return PatchOutcome.NothingToDo;

        var requirement = FindRequirement(elf, verneed, RequiredVersion);
        if (requirement is null)
            return PatchOutcome.NothingToDo;

        int symbolCount = (int)(dynsym.Size / SymbolSize);
        var users = new List<int>();
        for (int i = 1; i < symbolCount; i++)
        {
            ushort version = (ushort)(elf.U16(versym.Offset + i * 2) & 0x7fff);
            if (version == requirement.Value.VersionIndex)
                users.Add(i);
        }

        bool changed = false;
        foreach (int i in users)
        {
            long nameOffset = dynstr.Offset + elf.U32(dynsym.Offset + i * SymbolSize);
            if (elf.CString(nameOffset) != OffendingSymbol)
                return PatchOutcome.Unpatchable;
        }
        foreach (int i in users)
        {
            long nameOffset = dynstr.Offset + elf.U32(dynsym.Offset + i * SymbolSize);
            var replacement = new byte[OffendingSymbol.Length];
            Encoding.ASCII.GetBytes(ReplacementSymbol).CopyTo(replacement, 0);
            replacement.CopyTo(image, nameOffset);
            elf.WriteU16(versym.Offset + i * 2, VerNdxGlobal);
            changed = true;
        }

        long flagsOffset = requirement.Value.FlagsOffset;
        ushort flags = elf.U16(flagsOffset);
        if ((flags & VerFlgWeak) == 0)
        {
            elf.WriteU16(flagsOffset, (ushort)(flags | VerFlgWeak));
            changed = true;
        }
        return changed ? PatchOutcome.Patched : PatchOutcome.NothingToDo;
    }

    /// <summary>Patches the file at <paramref name="path"/>, replacing it atomically (temp file, fsync, rename) when it changes.</summary>
    public static PatchOutcome ApplyToFile(string path)
    {
        var image = File.ReadAllBytes(path);
        var outcome = Apply(image);
        if (outcome != PatchOutcome.Patched)
            return outcome;
        string temp = $"{path}.forge-{Environment.ProcessId}.tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(image);
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
        File.Move(temp, path, overwrite: true);
        return outcome;
    }

    private readonly record struct Requirement(ushort VersionIndex, long FlagsOffset);

    private static Requirement? FindRequirement(ElfView elf, ElfSection verneed, string version)
    {
        var strings = elf.Section(verneed.Link);
        long entry = verneed.Offset;
        for (int n = 0; n < verneed.Info; n++)
        {
            ushort auxCount = elf.U16(entry + 2);
            long aux = entry + elf.U32(entry + 8);
            for (int a = 0; a < auxCount; a++)
            {
                string name = elf.CString(strings.Offset + elf.U32(aux + 8));
                if (name == version)
                    return new Requirement(elf.U16(aux + 6), aux + 4);
                aux += elf.U32(aux + 12);
            }
            uint next = elf.U32(entry + 12);
            if (next == 0)
                break;
            entry += next;
        }
        return null;
    }

    private sealed record ElfSection(uint Type, long Offset, long Size, uint Link, uint Info);

    /// <summary>Bounds-checked little-endian reads over an ELF64 image.</summary>
    private sealed class ElfView
    {
        private readonly byte[] _image;
        private readonly List<ElfSection> _sections = new();

        public ElfView(byte[] image)
        {
            _image = image;
            if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
                throw new InvalidDataException("Not an ELF file.");
            if (image[4] != 2 || image[5] != 1)
                throw new InvalidDataException("Not a 64-bit little-endian ELF file.");
            long shoff = (long)U64(0x28);
            ushort shentsize = U16(0x3A);
            ushort shnum = U16(0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * shentsize;
                _sections.Add(new ElfSection(U32(h + 4), (long)U64(h + 24), (long)U64(h + 32), U32(h + 40), U32(h + 44)));
            }
        }

        public ElfSection? SectionOfType(uint type) => _sections.FirstOrDefault(s => s.Type == type);

        public ElfSection Section(uint index) =>
            index < _sections.Count ? _sections[(int)index] : throw new InvalidDataException($"Section index {index} is out of range.");

        public ushort U16(long offset) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(offset, 2));
        public uint U32(long offset) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(offset, 4));
        public ulong U64(long offset) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(offset, 8));
        public void WriteU16(long offset, ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_image.AsSpan(Checked(offset, 2), 2), value);

        public string CString(long offset)
        {
            int start = Checked(offset, 1);
            int end = Array.IndexOf(_image, (byte)0, start);
            if (end < 0)
                throw new InvalidDataException("Unterminated string in the ELF string table.");
            return Encoding.ASCII.GetString(_image, start, end - start);
        }

        private ReadOnlySpan<byte> Slice(long offset, int length) => _image.AsSpan(Checked(offset, length), length);

        private int Checked(long offset, int length) =>
            offset >= 0 && offset + length <= _image.Length
                ? (int)offset
                : throw new InvalidDataException($"Offset {offset} is outside the file ({_image.Length} bytes).");
    }
}
