using System.Text.Json;
using Forge.Core.Specs;

namespace Forge.Core.Training;

/// <summary>
/// A file of one JSON object per line, appended to and flushed as each line is written; created at the first line, or
/// at once with <paramref name="createNow"/>.
/// </summary>
public sealed class JsonLinesFile : IDisposable
{
    private static readonly JsonSerializerOptions LineOptions = new(SpecJson.OutputOptions) { WriteIndented = false };
    private StreamWriter? _writer;

    public JsonLinesFile(string path, bool createNow = false)
    {
        Path = path;
        if (createNow)
            _writer = new StreamWriter(path, append: true);
    }

    public string Path { get; }

    public void Append<T>(T record)
    {
        _writer ??= new StreamWriter(Path, append: true);
        _writer.WriteLine(JsonSerializer.Serialize(record, LineOptions));
        _writer.Flush();
    }

    public void Dispose() => _writer?.Dispose();
}
