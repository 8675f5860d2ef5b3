using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Specs;
using Forge.Core.Training;

namespace Forge.Tests.Support;

/// <summary>
/// One spec trained twice: whole, and stopped after <c>stopAt</c> steps (as Ctrl-C would: a checkpoint at that step)
/// then resumed in a freshly built experiment, as a new process would. The two runs' folders hold their metrics.
/// </summary>
internal static class InterruptedRun
{
    public static (string Whole, string Parts) Train(JsonObject spec, TempDirectory dir, int stopAt)
    {
        var wholeFolder = Path.Combine(dir.Path, "whole");
        using (var whole = TestExperiment.Build(spec))
            Assert.Equal(RunStatus.Completed, whole.Train(wholeFolder).Status);

        var runFolder = Path.Combine(dir.Path, "parts");
        Directory.CreateDirectory(runFolder);
        var store = new CheckpointStore(runFolder, new CheckpointOptions { Interval = 0 });
        using (var first = TestExperiment.Build(spec))
        using (var stop = new CancellationTokenSource())
        {
            var result = first.Train(runFolder, stop.Token, checkpoints: store, progress: new ProgressTo(u =>
            {
                if (u.Step == stopAt)
                    stop.Cancel();
            }));
            Assert.True(result.Status == RunStatus.Interrupted, result.Error);
            Assert.Equal(stopAt, result.Steps);
        }
        Assert.Equal(CheckpointStore.StepFolderName(stopAt), Path.GetFileName(Assert.Single(store.Folders())));
        using (var second = TestExperiment.Build(spec)) // a new process would build the model afresh, from the seed
        using (var checkpoint = store.LoadNewestValid())
        {
            var result = second.Train(runFolder, checkpoints: store, resumeFrom: checkpoint);
            Assert.Equal(RunStatus.Completed, result.Status);
            Assert.NotNull(result.Position.InitialEvalLoss); // carried over from the first part
        }
        return (wholeFolder, runFolder);
    }
}
