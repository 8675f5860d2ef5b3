using System.Text.Json.Nodes;
using Forge.Core.Specs;
using Forge.Core.Training;
using Forge.Sweeps;
using Forge.Tests.Support;
using static TorchSharp.torch;

namespace Forge.Tests.Training;

/// <summary>Top-1 accuracy of classification runs: in metrics.jsonl, summary.json, forge eval and sweep selection; absent elsewhere.</summary>
public class ClassificationAccuracyTests
{
    [Fact]
    public void Correct_counts_the_targets_whose_logit_is_the_largest()
    {
        using var logits = tensor(new float[] { 2, 1, 0, /**/ 0, 3, 1, /**/ 1, 0, 5, /**/ 4, 0, 1 }).view(4, 3);
        using var targets = tensor(new long[] { 0, 1, 1, 2 });

        using var correct = Accuracy.Correct(logits, targets);

        Assert.Equal(2, correct.item<long>());
    }

    [Fact]
    public async Task A_classification_run_logs_train_and_held_out_accuracy_summarises_it_and_forge_eval_reports_it()
    {
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression(steps: 200).With("data.task=\"classification\"", "data.outputs=4", "training.evalInterval=50");

        var result = await CliRunner.RunSpecAsync(dir, spec);

        Assert.True(result.ExitCode == 0, result.Error);
        var folder = CliRunner.RunFolder(dir);
        var lines = File.ReadAllLines(Path.Combine(folder, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.All(lines, l => Assert.InRange(l["trainAccuracy"]!.GetValue<double>(), 0, 1));
        Assert.All(lines, l => Assert.Equal(Math.Round(32 * l["trainAccuracy"]!.GetValue<double>()), 32 * l["trainAccuracy"]!.GetValue<double>(), 9)); // a count of 32
        var evaluations = lines.Where(l => l["evalAccuracy"] is not null).Select(l => l["evalAccuracy"]!.GetValue<double>()).ToList();
        Assert.Equal(4, evaluations.Count); // steps 50, 100, 150, 200
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "summary.json")))!;
        double initial = summary["initialEvalAccuracy"]!.GetValue<double>(), final = summary["finalEvalAccuracy"]!.GetValue<double>();
        Assert.Equal(evaluations[^1], final);
        Assert.Equal(evaluations.Max(), summary["bestEvalAccuracy"]!.GetValue<double>());
        Assert.True(final > initial + 0.2, $"accuracy {initial:P1} before training, {final:P1} after");
        Assert.Contains("accuracy", result.Output.Split('\n').Last(l => l.Contains("completed after")));
        Assert.Matches(@"step 200/200 loss \S+ eval \S+ accuracy \d+\.\d %", result.Output); // the progress line of an evaluation step

        var eval = await CliRunner.RunAsync("eval", folder, "--json");

        Assert.True(eval.ExitCode == 0, eval.Error);
        Assert.Equal(final, JsonNode.Parse(eval.Output)!["accuracy"]!.GetValue<double>(), 9); // the same model on the same held-out batches
        var text = await CliRunner.RunAsync("eval", folder);
        Assert.Matches(@"accuracy \d+\.\d\d ?% \([0-9,]+ predictions: \d+ batches of \d+\)", text.Output); // no context for images
    }

    [Fact]
    public async Task Runs_that_are_not_classification_have_no_accuracy()
    {
        using var dir = new TempDirectory();

        var result = await CliRunner.RunSpecAsync(dir, TestSpecs.SyntheticRegression(steps: 20));

        Assert.True(result.ExitCode == 0, result.Error);
        var folder = CliRunner.RunFolder(dir);
        Assert.DoesNotContain("ccuracy", File.ReadAllText(Path.Combine(folder, "metrics.jsonl")));
        Assert.DoesNotContain("ccuracy", File.ReadAllText(Path.Combine(folder, "summary.json")));
    }

    [Fact]
    public void Sweeps_rank_accuracy_metrics_highest_first_and_report_them_as_accuracies()
    {
        TrialResult Trial(string id, string lr, double accuracy) => new(id, TrialState.Done, new Dictionary<string, string> { ["optimizer.lr"] = lr }, double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture),
            1, 1, 1, 1, 1, false, 1, Array.Empty<(int, double)>(), FinalEvalAccuracy: accuracy, BestEvalAccuracy: accuracy + 0.01);
        var results = new[] { Trial("trial-000", "0.001", 0.60), Trial("trial-001", "0.01", 0.85), Trial("trial-002", "0.1", 0.70) };

        var chosen = TransferSelection.Choose(results, SweepMetric.FinalEvalAccuracy)!;
        var byBest = TransferSelection.Choose(results, SweepMetric.BestEvalAccuracy)!;

        Assert.Equal(new[] { "trial-001" }, chosen.Trials);
        Assert.Equal(0.85, chosen.Metric, 12);
        Assert.Equal(0.86, byBest.Metric, 12);
        Assert.Equal(0.15, results[1].Score(SweepMetric.FinalEvalAccuracy)!.Value, 12); // the error rate: lower is better
        Assert.Equal(1, results[1].Score(SweepMetric.FinalEvalLoss));
        Assert.True(SweepMetric.BestEvalAccuracy.HigherIsBetter());
        Assert.False(SweepMetric.MeanTrainLoss.HigherIsBetter());
    }
}
