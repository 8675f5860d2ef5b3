using Forge.Abstractions.Callbacks;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Specs;
using static TorchSharp.torch;

namespace Forge.Core.Training.Observers;

/// <summary>
/// Runs the spec's callbacks (<see cref="ITrainingCallback"/>) at the loop's events, in the spec's order: run start,
/// the end of every applied update (with the logged values on logged steps), every evaluation (where they may evaluate
/// and report values, which go into the step's record), checkpoint save and load (their state goes into checkpoints
/// under <c>name.K/</c>, K counting the callbacks of that name before it, so that adding or removing a watching
/// callback such as <c>tensorboard</c> leaves every other callback's state where it was) and the run's end.
/// </summary>
public sealed class CallbackObserver(Experiment experiment, string runFolder) : ITrainingObserver, IMetricsContributor, ICheckpointParticipant
{
    private static readonly HashSet<string> RecordFields = SpecJson.Options.GetTypeInfo(typeof(MetricRecord)).Properties.Select(p => p.Name).ToHashSet();
    private readonly IReadOnlyList<ITrainingCallback> _callbacks = experiment.Callbacks;

    /// <summary>Each callback's plugin name (its type's for one the spec did not name).</summary>
    private readonly IReadOnlyList<string> _names = experiment.Callbacks
        .Select((c, i) => i < experiment.Spec.Callbacks.Count ? experiment.Spec.Callbacks[i].Plugin.Name : c.GetType().Name).ToList();
    private readonly Dictionary<string, double> _reported = new();

    /// <summary>The last value of each name the callbacks reported.</summary>
    public IReadOnlyDictionary<string, double> Reported => _reported;

    public void Restored(LoopState state, LoadedCheckpoint checkpoint, bool rollback)
    {
        var numbers = checkpoint.Sidecar.CallbackNumbers ?? new Dictionary<string, double>();
        for (int i = 0; i < _callbacks.Count; i++)
        {
            var prefix = Prefix(i);
            var callbackState = new CallbackState(
                checkpoint.Callbacks.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value),
                numbers.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(p => p.Key[prefix.Length..], p => p.Value));
            _callbacks[i].OnCheckpointLoad(callbackState);
        }
    }

    public void Started(LoopState state)
    {
        var context = new RunStartContext(experiment.Model, experiment.Parameters, experiment.Optimizer, state.Position.Step, state.TotalSteps, runFolder);
        foreach (var callback in _callbacks)
            callback.OnRunStart(context);
    }

    public void UpdateApplied(LoopState state, StepPlan plan, StepResult result)
    {
        if (plan.Logged || _callbacks.Count == 0)
            return; // a logged step's callbacks run once its values are known (Logged)
        var context = new StepEndContext(plan.Step, state.TotalSteps, Logged: false, new Dictionary<string, double>());
        foreach (var callback in _callbacks)
            callback.OnStepEnd(context);
    }

    public MetricRecord Contribute(MetricRecord record, LoggedStepContext context)
    {
        if (!context.Plan.Evaluate || context.EvalLoss is not { } evalLoss || _callbacks.Count == 0)
            return record;
        var options = experiment.Spec.Experiment.Training;
        var reported = new Dictionary<string, object>();
        for (int i = 0; i < _callbacks.Count; i++)
        {
            var owner = _names[i];
            _callbacks[i].OnEvaluation(new EvaluationContext(context.Plan.Step, evalLoss, experiment.Parameters,
                () => Evaluation.HeldOutLoss(experiment, options.BatchSize, options.EvalBatches),
                (name, value) => Report(owner, name, value, reported)));
        }
        return reported.Count == 0 ? record : record with { Reported = reported };
    }

    public void Logged(LoggedStep step)
    {
        if (_callbacks.Count == 0)
            return;
        var context = new StepEndContext(step.Plan.Step, step.State.TotalSteps, Logged: true, Values(step.Record));
        foreach (var callback in _callbacks)
            callback.OnStepEnd(context);
    }

    public void Save(IDictionary<string, Tensor> tensors, IDictionary<string, double> numbers)
    {
        for (int i = 0; i < _callbacks.Count; i++)
        {
            var state = new CallbackState();
            _callbacks[i].OnCheckpointSave(state);
            foreach (var (name, tensor) in state.Tensors)
                tensors[Prefix(i) + name] = tensor;
            foreach (var (name, value) in state.Numbers)
                numbers[Prefix(i) + name] = value;
        }
    }

    public void Ended(LoopState state, LoopOutcome outcome)
    {
        var context = new RunEndContext(SpecJson.EnumName(outcome.Status), outcome.Steps, state.TotalSteps);
        foreach (var callback in _callbacks)
            callback.OnRunEnd(context);
    }

    /// <summary>Where callback <paramref name="index"/>'s state sits in a checkpoint: <c>name.K/</c>, K the callbacks of that name before it.</summary>
    private string Prefix(int index) => $"{_names[index]}.{_names.Take(index).Count(n => n == _names[index])}/";

    private void Report(string owner, string name, double value, Dictionary<string, object> reported)
    {
        if (string.IsNullOrWhiteSpace(name) || RecordFields.Contains(name))
            throw new PluginFaultException($"The callback '{owner}' reported a value named '{name}', {(RecordFields.Contains(name) ? "which metrics.jsonl already has" : "which is empty")}; report it under a name of its own (e.g. '{owner}EvalLoss').");
        reported[name] = value;
        _reported[name] = value;
    }

    /// <summary>A logged record's numbers by their names in metrics.jsonl.</summary>
    private static Dictionary<string, double> Values(MetricRecord r)
    {
        var values = new Dictionary<string, double>
        {
            ["loss"] = r.Loss, ["lr"] = r.Lr, ["gradNorm"] = r.GradNorm, ["examplesPerSecond"] = r.ExamplesPerSecond,
        };
        if (r.TokensPerSecond is { } tokens)
            values["tokensPerSecond"] = tokens;
        if (r.EvalLoss is { } eval)
            values["evalLoss"] = eval;
        foreach (var (name, value) in r.Reported ?? new Dictionary<string, object>())
            if (value is double d)
                values[name] = d;
        return values;
    }
}
