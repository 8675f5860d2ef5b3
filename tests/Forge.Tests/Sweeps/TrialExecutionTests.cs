using Forge.Sweeps;
using Forge.Tests.Support;

namespace Forge.Tests.Sweeps;

public class TrialExecutionTests
{
    [Fact]
    public async Task A_trial_turns_the_console_exporter_off_and_says_so_in_its_log()
    {
        // A reused worker's standard output is its channel to the sweep: the console exporter must not write there.
        using var dir = new TempDirectory();
        var spec = TestSpecs.SyntheticRegression(steps: 10).With("metrics.exporters=[\"console\"]", "metrics.exportIntervalSeconds=1", "training.steps=2000");
        var specPath = dir.File("spec.json", spec.ToJsonString());
        var runs = Path.Combine(dir.Path, "runs");
        var folder = Path.Combine(runs, "trial-000");
        var standardOutput = new StringWriter();
        var original = Console.Out;
        Console.SetOut(standardOutput);
        TrialOutcome outcome;
        try
        {
            outcome = await TrialExecution.RunAsync(new TrialRequest(specPath, folder, runs, Array.Empty<string>(), 1), _ => { }, CancellationToken.None);
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.True(outcome.ExitCode == 0, outcome.LastError);
        Assert.Contains("metrics.exporters 'console' is off in sweep trials", File.ReadAllText(Path.Combine(folder, "log.txt")));
        Assert.DoesNotContain("Metric Name:", standardOutput.ToString()); // what the console exporter prints
    }
}
