using System.Buffers.Binary;

namespace Forge.Tests.Support;

/// <summary>
/// Reads TensorBoard event files back as TensorBoard does: each file a sequence of TFRecords (an 8-byte little-endian
/// length, its masked CRC-32C, the serialized <c>Event</c>, its masked CRC-32C), the files of a folder in name
/// order, and a file whose first step is below the last step seen so far purging the earlier files' events from that
/// step on (how TensorBoard handles a restarted run).
/// </summary>
public static class TensorBoardEvents
{
    public sealed record Scalar(string File, long Step, string Tag, float Value);

    /// <summary>Every scalar in every event file of <paramref name="folder"/>; CRCs are checked.</summary>
    public static List<Scalar> Read(string folder)
    {
        var scalars = new List<Scalar>();
        foreach (var file in Directory.GetFiles(folder, "events.out.tfevents.*").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            int at = 0;
            bool first = true;
            while (at < bytes.Length)
            {
                ulong length = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at));
                Assert.Equal(Masked(Crc32C(bytes.AsSpan(at, 8))), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8)));
                var data = bytes.AsSpan(at + 12, (int)length);
                Assert.Equal(Masked(Crc32C(data)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length)));
                var e = Tensorboard.Event.Parser.ParseFrom(data.ToArray());
                if (first)
                    Assert.Equal("brain.Event:2", e.FileVersion);
                first = false;
                if (e.Summary is { } summary)
                    scalars.AddRange(summary.Value.Select(v => new Scalar(Path.GetFileName(file), e.Step, v.Tag, v.SimpleValue)));
                at += 12 + (int)length + 4;
            }
        }
        return scalars;
    }

    /// <summary>What TensorBoard shows: the scalars with each restarted file's purge applied, by tag and step.</summary>
    public static Dictionary<(string Tag, long Step), float> AsShown(IReadOnlyList<Scalar> scalars)
    {
        var shown = new Dictionary<(string, long), float>();
        foreach (var file in scalars.GroupBy(s => s.File))
        {
            long start = file.Min(s => s.Step);
            foreach (var key in shown.Keys.Where(k => k.Item2 >= start).ToList())
                shown.Remove(key); // a restart: the earlier files' events from this step on are dropped
            foreach (var s in file)
                shown[(s.Tag, s.Step)] = s.Value;
        }
        return shown;
    }

    private static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;

    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
