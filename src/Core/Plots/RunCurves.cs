using System.Text.Json;
using Forge.Core.Errors;
using Forge.Core.Training;

namespace Forge.Core.Plots;

/// <summary>The loss curves of one run folder, read from its <c>metrics.jsonl</c>.</summary>
/// <param name="Name">The experiment's name (the run folder's parent, runs/&lt;name&gt;/&lt;time&gt;).</param>
/// <param name="Folder">The run folder's own name (its start time).</param>
/// <param name="Train">(step, training loss) at every logged step.</param>
/// <param name="Eval">(step, evaluation loss) at every evaluated step.</param>
/// <param name="Tokens">Tokens trained on after each logged step (language models; empty otherwise).</param>
/// <param name="TrainAccuracy">(step, top-1 accuracy of the logged training batches) of a classification run; empty otherwise.</param>
/// <param name="EvalAccuracy">(step, held-out top-1 accuracy) at every evaluated step of a classification run; empty otherwise.</param>
public sealed record RunCurves(string Name, string Folder, IReadOnlyList<(int Step, double Loss)> Train, IReadOnlyList<(int Step, double Loss)> Eval,
    IReadOnlyDictionary<int, long> Tokens, IReadOnlyList<(int Step, double Accuracy)> TrainAccuracy, IReadOnlyList<(int Step, double Accuracy)> EvalAccuracy)
{
    /// <summary>Whether the run reported accuracy (a classification run).</summary>
    public bool HasAccuracy => TrainAccuracy.Count > 0 || EvalAccuracy.Count > 0;

    /// <summary>Reads <paramref name="folder"/>; a missing folder or metrics file, or a line that is not a metric record, is the user's error.</summary>
    public static async Task<RunCurves> ReadAsync(string folder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, MetricFiles.Metrics);
        if (!File.Exists(path))
            throw new RunSetupException($"{folder} is not a run folder: it has no {MetricFiles.Metrics}. Pass folders that 'forge run' created, e.g. runs/mup-gpt/20260101-120000.");
        var parsed = Parse(path, await File.ReadAllLinesAsync(path, cancellationToken));
        var full = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        return new RunCurves(Path.GetFileName(Path.GetDirectoryName(full)) ?? "", Path.GetFileName(full), parsed.Train, parsed.Eval, parsed.Tokens,
            parsed.TrainAccuracy, parsed.EvalAccuracy);
    }

    /// <summary>The training and evaluation curves, token counts and accuracies in the lines of <paramref name="path"/> (a metrics.jsonl); a line that is not a metric record is the user's error.</summary>
    public static (List<(int Step, double Loss)> Train, List<(int Step, double Loss)> Eval, Dictionary<int, long> Tokens,
        List<(int Step, double Accuracy)> TrainAccuracy, List<(int Step, double Accuracy)> EvalAccuracy) Parse(string path, IEnumerable<string> lines)
    {
        var train = new List<(int, double)>();
        var eval = new List<(int, double)>();
        var trainAccuracy = new List<(int, double)>();
        var evalAccuracy = new List<(int, double)>();
        var tokens = new Dictionary<int, long>();
        int lineNumber = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                int step = root.GetProperty("step").GetInt32();
                if (root.TryGetProperty("loss", out var loss) && loss.ValueKind == JsonValueKind.Number)
                    train.Add((step, loss.GetDouble()));
                if (root.TryGetProperty("evalLoss", out var evalLoss) && evalLoss.ValueKind == JsonValueKind.Number)
                    eval.Add((step, evalLoss.GetDouble()));
                if (root.TryGetProperty("tokens", out var seen) && seen.ValueKind == JsonValueKind.Number)
                    tokens[step] = seen.GetInt64();
                if (root.TryGetProperty("trainAccuracy", out var accuracy) && accuracy.ValueKind == JsonValueKind.Number)
                    trainAccuracy.Add((step, accuracy.GetDouble()));
                if (root.TryGetProperty("evalAccuracy", out var heldOutAccuracy) && heldOutAccuracy.ValueKind == JsonValueKind.Number)
                    evalAccuracy.Add((step, heldOutAccuracy.GetDouble()));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new RunSetupException($"{path} line {lineNumber} is not a metric record ({e.Message}); the file may be truncated or not written by Forge.");
            }
        }
        return (train, eval, tokens, trainAccuracy, evalAccuracy);
    }
}
