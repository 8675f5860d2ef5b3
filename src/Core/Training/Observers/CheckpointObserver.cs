using Forge.Core.Checkpoints;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Training.Observers;

/// <summary>
/// Writes the run's checkpoints: every <c>checkpoint.interval</c> updates, at the end of a completed run and when the
/// run is interrupted (never twice for one step, never at step 0). A write that fails (disk full, no permission) keeps
/// the previous checkpoint, is counted and logged, and training goes on.
/// </summary>
public sealed class CheckpointObserver(CheckpointStore store, IReadOnlyList<ICheckpointParticipant> participants, ILogger logger, Action? saved = null) : ITrainingObserver
{
    private int _lastStep = -1;

    /// <summary>The newest checkpoint written (or resumed from), if any.</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>Checkpoints that could not be written.</summary>
    public int Failures { get; private set; }

    public void Restored(LoopState state, LoadedCheckpoint checkpoint, bool rollback)
    {
        _lastStep = state.Position.Step;
        if (!rollback)
            LastCheckpoint = checkpoint.Folder;
    }

    public void StepEnded(LoopState state, StepPlan plan)
    {
        if (store.IsDue(plan.Step))
            Save(state);
    }

    public void Ending(LoopState state, RunStatus status) => Save(state); // the final checkpoint, or the one an interrupted run continues from

    private void Save(LoopState state)
    {
        var position = state.Position;
        if (!store.Enabled || position.Step == _lastStep || position.Step == 0)
            return;
        try
        {
            LastCheckpoint = TrainingCheckpoint.Save(store, state.Experiment, position, state.LastScheduleFactor, state.DataGenerator,
                state.Sync is null ? participants : participants.Append(state.Sync).ToList());
            _lastStep = position.Step;
            saved?.Invoke();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Failures++;
            logger.LogWarning("Could not write the checkpoint at step {Step} ({Message}); the previous one ({Previous}) is kept and training goes on.",
                position.Step, e.Message, LastCheckpoint ?? "none");
        }
    }
}
