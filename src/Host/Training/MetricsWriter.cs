using System.Text.Json;
using Forge.Host.Specs;

namespace Forge.Host.Training;

/// <summary>Appends <see cref="MetricRecord"/>s to <c>metrics.jsonl</c>, one JSON object per line, flushed as written.</summary>
internal sealed class MetricsWriter(string path) : IDisposable
{
    private static readonly JsonSerializerOptions LineOptions = new(SpecJson.OutputOptions) { WriteIndented = false };
    private readonly StreamWriter _writer = new(path, append: true);

    public void Write(MetricRecord record)
    {
        _writer.WriteLine(JsonSerializer.Serialize(record, LineOptions));
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();
}
