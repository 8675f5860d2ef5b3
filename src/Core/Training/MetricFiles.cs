namespace Forge.Core.Training;

/// <summary>The files the loop's observers write into the run folder, one JSON object per line.</summary>
public static class MetricFiles
{
    /// <summary>One line per logged step (<see cref="MetricRecord"/>).</summary>
    public const string Metrics = "metrics.jsonl";

    /// <summary>One line per diagnostic step (per-layer diagnostics).</summary>
    public const string Layers = "layers.jsonl";
}
