using System.Text.Json;
using Forge.Host.Diagnostics;
using Forge.Host.Specs;

namespace Forge.Host.Training;

/// <summary>
/// Appends <see cref="MetricRecord"/>s to <c>metrics.jsonl</c> and per-layer diagnostics to <c>layers.jsonl</c> beside
/// it (created at the first one), one JSON object per line, flushed as written.
/// </summary>
internal sealed class MetricsWriter(string path) : IDisposable
{
    public const string LayersFile = "layers.jsonl";

    private static readonly JsonSerializerOptions LineOptions = new(SpecJson.OutputOptions) { WriteIndented = false };
    private readonly StreamWriter _writer = new(path, append: true);
    private StreamWriter? _layers;

    public void Write(MetricRecord record) => Append(_writer, record);

    public void WriteLayers(LayerRecord record) =>
        Append(_layers ??= new StreamWriter(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, LayersFile), append: true), record);

    private static void Append<T>(StreamWriter writer, T record)
    {
        writer.WriteLine(JsonSerializer.Serialize(record, LineOptions));
        writer.Flush();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _layers?.Dispose();
    }
}
