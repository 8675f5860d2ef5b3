using Spectre.Console;
using Forge.Cli.Rendering;
using Forge.Core.Training;
using Forge.Sweeps;

namespace Forge.Tests.Sweeps;

/// <summary>The live per-trial table of <c>forge sweep</c>, fed by the workers' plain progress lines.</summary>
public class SweepTableTests
{
    [Fact]
    public void A_workers_progress_line_is_read_back_exactly()
    {
        var line = new ProgressUpdate(40, 200, 2.3125, 0.003, 2.5, TimeSpan.FromSeconds(12)) { TokensPerSecond = 51234 }.Line;

        var progress = TrialProgress.TryParse(line);

        Assert.Equal(new TrialProgress(40, 200, 2.3125, 2.5), progress);
        Assert.Equal(new TrialProgress(3, 9, 1.5, null), TrialProgress.TryParse("step 3/9 loss 1.5000 lr 1.00E-003 elapsed 00:00:01 eta 00:00:02"));
        Assert.Null(TrialProgress.TryParse("run folder: runs/x"));
    }

    [Fact]
    public void The_table_shows_every_trial_with_its_state_and_latest_progress()
    {
        var trials = new[]
        {
            new TrialRecord { Id = "trial-000", Overrides = new[] { "optimizer.lr=0.001" }, State = TrialState.Done },
            new TrialRecord { Id = "trial-001", Overrides = new[] { "optimizer.lr=0.004" }, State = TrialState.Running },
            new TrialRecord { Id = "trial-002", Overrides = new[] { "optimizer.lr=0.016" } },
        };
        var table = new SweepTable(trials);
        table.Report(trials[0], new TrialProgress(20, 20, 1.25, 1.3));
        table.Report(trials[1], new TrialProgress(5, 20, 3.5, null));
        table.Report(trials[1], new TrialProgress(12, 20, 2.75, null));

        var text = Render(table.Build());

        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.Contains("trial-000") && l.Contains("done") && l.Contains("20/20") && l.Contains("1.2500") && l.Contains("1.3000"));
        Assert.Contains(lines, l => l.Contains("trial-001") && l.Contains("running") && l.Contains("12/20") && l.Contains("2.7500"));
        Assert.Contains(lines, l => l.Contains("trial-002") && l.Contains("pending") && l.Contains("optimizer.lr=0.016"));
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 160;
        console.Write(renderable);
        return writer.ToString();
    }
}
