using Google.Protobuf;

namespace Forge.Tests.Support;

/// <summary>
/// Tiny SentencePiece model files written in SentencePiece's protobuf format (ModelProto: pieces, trainer spec,
/// normalizer spec), so tests need no downloaded tokenizer.
/// </summary>
public static class SentencePieceModels
{
    /// <summary>A BPE model: &lt;unk&gt;, &lt;s&gt;, &lt;/s&gt;, then <paramref name="pieces"/> (merges score by their order: earlier merges first).</summary>
    public static byte[] Bpe(params string[] pieces)
    {
        using var memory = new MemoryStream();
        var output = new CodedOutputStream(memory);
        void Piece(string text, float score, int type)
        {
            using var piece = new MemoryStream();
            var p = new CodedOutputStream(piece);
            p.WriteTag(1, WireFormat.WireType.LengthDelimited);
            p.WriteString(text);
            p.WriteTag(2, WireFormat.WireType.Fixed32);
            p.WriteFloat(score);
            p.WriteTag(3, WireFormat.WireType.Varint);
            p.WriteEnum(type);
            p.Flush();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(piece.ToArray()));
        }
        Piece("<unk>", 0, 2);
        Piece("<s>", 0, 3);
        Piece("</s>", 0, 3);
        for (int i = 0; i < pieces.Length; i++)
            Piece(pieces[i], -i, 1);

        using (var trainer = new MemoryStream())
        {
            var t = new CodedOutputStream(trainer);
            t.WriteTag(3, WireFormat.WireType.Varint);
            t.WriteEnum(2); // BPE
            t.WriteTag(4, WireFormat.WireType.Varint);
            t.WriteInt32(pieces.Length + 3);
            t.WriteTag(40, WireFormat.WireType.Varint);
            t.WriteInt32(0); // unk
            t.WriteTag(41, WireFormat.WireType.Varint);
            t.WriteInt32(1); // bos
            t.WriteTag(42, WireFormat.WireType.Varint);
            t.WriteInt32(2); // eos
            t.WriteTag(43, WireFormat.WireType.Varint);
            t.WriteInt32(-1); // no pad
            t.Flush();
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(trainer.ToArray()));
        }
        using (var normalizer = new MemoryStream())
        {
            var n = new CodedOutputStream(normalizer);
            n.WriteTag(1, WireFormat.WireType.LengthDelimited);
            n.WriteString("identity");
            n.WriteTag(3, WireFormat.WireType.Varint);
            n.WriteBool(true); // add_dummy_prefix
            n.WriteTag(4, WireFormat.WireType.Varint);
            n.WriteBool(false); // remove_extra_whitespaces
            n.WriteTag(5, WireFormat.WireType.Varint);
            n.WriteBool(true); // escape_whitespaces
            n.Flush();
            output.WriteTag(3, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(normalizer.ToArray()));
        }
        output.Flush();
        return memory.ToArray();
    }

    /// <summary>A model for texts of the letters a b d e n r, spaces and newlines.</summary>
    public static byte[] Banana() => Bpe("▁", "a", "b", "d", "e", "n", "r", "\n", "an", "na", "ba", "ban", "ana", "▁b", "re", "br", "ead", "ea", "▁ban", "▁a", "nana", "banana", "▁banana", "d\n");
}
