namespace Forge.Abstractions.Callbacks;

/// <summary>
/// A callback plugin (the spec's <c>callbacks</c> list): code that runs at the events of the training loop, in the
/// order the list gives. Callbacks come after Forge's observers that add fields to a logged step's values (fp8
/// rounding, role statistics) and before those that write, show or save the step (metrics.jsonl, telemetry,
/// progress, checkpoints), so what a callback reports is in the step's line and its state in the step's checkpoint. Mark the class with
/// <see cref="Plugins.ForgePluginAttribute{TOptions}"/>; its constructor may take its options,
/// <see cref="Plugins.IRunEnvironment"/> and an <c>ILogger&lt;T&gt;</c>. Every method does nothing unless overridden.
/// <para>
/// A callback must not read values back from the device on steps that are not logged (that would slow every step),
/// must not draw from torch's global random generator (that would change the run), and keeps what a resumed run needs
/// in <see cref="OnCheckpointSave"/>: a run stopped and resumed must give the callback's results bit for bit. Forge
/// calls a callback outside any dispose scope, so a method that makes temporary tensors (a <c>detach()</c> counts)
/// opens its own <c>torch.NewDisposeScope()</c>; on a rollback <see cref="OnCheckpointLoad"/> comes without a new
/// <see cref="OnRunStart"/>, so state it loads must go where the weights are. A
/// callback that changes neither training nor what the run reports (one that only writes logs elsewhere) implements
/// <see cref="IObservingCallback"/>, so adding or removing it does not make a run a different experiment.
/// </para>
/// </summary>
public interface ITrainingCallback
{
    /// <summary>Before the first update this process takes: after the initial evaluation, or after <see cref="OnCheckpointLoad"/> when the run resumes.</summary>
    void OnRunStart(RunStartContext context) { }

    /// <summary>After every update the optimizer applied (skipped updates are not reported); on logged steps with the logged values.</summary>
    void OnStepEnd(StepEndContext context) { }

    /// <summary>At every evaluation, after the held-out loss was measured and before the step's values are written: the moment to evaluate something else and report it.</summary>
    void OnEvaluation(EvaluationContext context) { }

    /// <summary>A checkpoint is being written: put everything a resumed run needs into <paramref name="state"/>.</summary>
    void OnCheckpointSave(CallbackState state) { }

    /// <summary>A checkpoint was restored (a resumed run, or the divergence guard's rollback): take the state back; it is empty when the checkpoint holds none for this callback.</summary>
    void OnCheckpointLoad(CallbackState state) { }

    /// <summary>The run ended, however it ended.</summary>
    void OnRunEnd(RunEndContext context) { }
}

/// <summary>
/// A callback that only watches: it changes neither the weights, the optimizer, the data stream nor the values the
/// run reports (a writer of TensorBoard event files, say). A run resumes across adding or removing one, and it is not
/// part of what makes two runs the same experiment.
/// </summary>
public interface IObservingCallback : ITrainingCallback
{
}
