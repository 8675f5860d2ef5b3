using System.Diagnostics.Metrics;
using Forge.Core.Diagnostics;
using Forge.Core.Specs;

namespace Forge.Core.Telemetry;

/// <summary>
/// Forge's instruments, on one meter named <see cref="MeterName"/> created through <see cref="IMeterFactory"/>.
/// Names follow OpenTelemetry conventions (lowercase, dot-separated) with UCUM units; a Prometheus scrape shows
/// them as e.g. <c>forge_train_loss</c>, <c>forge_tokens_total</c>, <c>forge_step_duration_seconds_bucket</c>. Every
/// measurement carries the run's identity tags (run id, experiment, and sweep and trial for sweep workers), never
/// a step or hyperparameter value. Values are recorded from what the trainer already has on the host: per-step
/// counters and durations without any device sync, losses and norms at logged steps.
/// </summary>
public sealed class TrainingMetrics
{
    public const string MeterName = "Forge";

    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly Gauge<double> _trainLoss, _evalLoss, _trainAccuracy, _evalAccuracy, _learningRate, _gradientNorm, _throughput;
    private readonly Gauge<long> _parameters;
    private readonly Counter<long> _tokens, _samples, _divergences, _saturated, _underflowed, _spikes, _skipped, _rollbacks, _checkpoints;
    private readonly Histogram<double> _stepDuration;
    private readonly Gauge<double> _roleWeightNorm, _adamEffectiveLr;
    private readonly Gauge<double> _groupLearningRate, _activationRms, _weightRms, _gradientRms, _updateRatio, _spectralRatio;

    public TrainingMetrics(IMeterFactory meterFactory, RunIdentity identity)
    {
        var meter = meterFactory.Create(MeterName);
        _tags = identity.Tags.ToArray();
        _trainLoss = meter.CreateGauge<double>("forge.train.loss", "{nat}", "Training loss at the last logged step");
        _evalLoss = meter.CreateGauge<double>("forge.eval.loss", "{nat}", "Loss on the held-out batches at the last evaluation");
        _trainAccuracy = meter.CreateGauge<double>("forge.train.accuracy", "{fraction}", "Classification: top-1 accuracy of the training batch at the last logged step");
        _evalAccuracy = meter.CreateGauge<double>("forge.eval.accuracy", "{fraction}", "Classification: top-1 accuracy on the held-out batches at the last evaluation");
        _learningRate = meter.CreateGauge<double>("forge.learning_rate", "{learning_rate}", "Global learning rate after the schedule (per-tensor rates are this times the parametrization's factors)");
        _gradientNorm = meter.CreateGauge<double>("forge.gradient.norm", "{norm}", "Global L2 norm of the gradient at the last logged step, before clipping");
        _throughput = meter.CreateGauge<double>("forge.throughput", "{token}/s", "Predictions (tokens, or samples) per second over the last logging interval");
        _parameters = meter.CreateGauge<long>("forge.parameters", "{parameter}", "Trainable parameters");
        _tokens = meter.CreateCounter<long>("forge.tokens", "{token}", "Predictions trained on (tokens for language models, samples otherwise)");
        _samples = meter.CreateCounter<long>("forge.samples", "{sample}", "Examples (sequences or samples) trained on");
        _divergences = meter.CreateCounter<long>("forge.divergences", "{event}", "Runs stopped because the loss or gradient norm was NaN or infinite");
        _spikes = meter.CreateCounter<long>("forge.loss_spikes", "{event}", "Logged losses above guard.spikeRatio times the running median");
        _skipped = meter.CreateCounter<long>("forge.skipped_updates", "{update}", "Updates skipped for a NaN/Inf loss or gradient (guard.onNonFinite = skip)");
        _rollbacks = meter.CreateCounter<long>("forge.rollbacks", "{event}", "Reloads of the last checkpoint after a NaN/Inf (guard.onNonFinite = rollback)");
        _checkpoints = meter.CreateCounter<long>("forge.checkpoints", "{checkpoint}", "Checkpoints written");
        _saturated = meter.CreateCounter<long>("forge.rounding.saturated", "{value}", "Values that saturated when rounded to a narrow format (fp8), at logged steps");
        _underflowed = meter.CreateCounter<long>("forge.rounding.underflowed", "{value}", "Non-zero values that rounded to zero in a narrow format (fp8), at logged steps");
        _stepDuration = meter.CreateHistogram<double>("forge.step.duration", "s", "Wall time of one training step (forward, backward, update)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = new[] { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 } });
        _roleWeightNorm = meter.CreateGauge<double>("forge.weight.norm", "{norm}", "L2 norm of all weights of one role (label role), at the last evaluation");
        _adamEffectiveLr = meter.CreateGauge<double>("forge.adam.effective_learning_rate", "{learning_rate}", "Mean of lr / (sqrt(v) + eps) over one role's elements (label role), Adam-family optimizers, at the last evaluation");
        _groupLearningRate = meter.CreateGauge<double>("forge.group.learning_rate", "{learning_rate}", "Learning rate of one optimizer group (label group: its index, roles: the roles of its tensors)");
        _activationRms = meter.CreateGauge<double>("forge.layer.activation.rms", "{rms}", "RMS of a module's output at the last diagnostic step (label module)");
        _weightRms = meter.CreateGauge<double>("forge.layer.weight.rms", "{rms}", "RMS of a trainable tensor at the last diagnostic step (labels tensor, role)");
        _gradientRms = meter.CreateGauge<double>("forge.layer.gradient.rms", "{rms}", "RMS of a tensor's gradient, before clipping, at the last diagnostic step");
        _updateRatio = meter.CreateGauge<double>("forge.layer.update.ratio", "{ratio}", "RMS of a tensor's update over the RMS of the tensor, at the last diagnostic step");
        _spectralRatio = meter.CreateGauge<double>("forge.layer.update.spectral_ratio", "{ratio}", "Spectral norm of a matrix's effective update over sqrt(fan_out/fan_in); Θ(1) under the spectral condition");
    }

    /// <summary>At the start of training: the parameter count, and the event counters at 0 so their series exist before any event.</summary>
    public void Started(long parameters)
    {
        _parameters.Record(parameters, _tags);
        foreach (var counter in new[] { _divergences, _spikes, _skipped, _rollbacks, _checkpoints })
            counter.Add(0, _tags);
    }

    public void Step(double seconds, long examples, long predictions)
    {
        _stepDuration.Record(seconds, _tags);
        _samples.Add(examples, _tags);
        _tokens.Add(predictions, _tags);
    }

    public void Logged(double loss, double learningRate, double gradientNorm, double predictionsPerSecond)
    {
        _trainLoss.Record(loss, _tags);
        _learningRate.Record(learningRate, _tags);
        _gradientNorm.Record(gradientNorm, _tags);
        _throughput.Record(predictionsPerSecond, _tags);
    }

    /// <summary>Each optimizer group's learning rate, labelled by its index and its tensors' roles.</summary>
    public void GroupLearningRates(IReadOnlyList<string> roles, IReadOnlyList<double> rates)
    {
        for (int g = 0; g < rates.Count; g++)
            _groupLearningRate.Record(rates[g], With(("group", g.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("roles", roles[g])));
    }

    /// <summary>Weight norms and Adam's effective learning rate per role, from an evaluation step.</summary>
    public void RoleStatistics(IReadOnlyDictionary<string, double> weightNorms, IReadOnlyDictionary<string, double>? adamEffectiveLr)
    {
        foreach (var (role, norm) in weightNorms)
            _roleWeightNorm.Record(norm, With(("role", role)));
        foreach (var (role, rate) in adamEffectiveLr ?? new Dictionary<string, double>())
            _adamEffectiveLr.Record(rate, With(("role", role)));
    }

    /// <summary>The per-layer diagnostics of one measured step, labelled by module or by tensor and role.</summary>
    public void Layers(LayerRecord record)
    {
        foreach (var a in record.Activations)
            _activationRms.Record(a.Rms, With(("module", a.Module)));
        foreach (var t in record.Tensors)
        {
            var tags = With(("tensor", t.Name), ("role", SpecJson.EnumName(t.Role)));
            _weightRms.Record(t.WeightRms, tags);
            if (t.GradientRms is { } gradient)
                _gradientRms.Record(gradient, tags);
            if (t.UpdateRatio is { } ratio)
                _updateRatio.Record(ratio, tags);
            if (t.SpectralRatio is { } spectral)
                _spectralRatio.Record(spectral, tags);
        }
    }

    private KeyValuePair<string, object?>[] With(params (string Key, string Value)[] extra) =>
        _tags.Concat(extra.Select(e => new KeyValuePair<string, object?>(e.Key, e.Value))).ToArray();

    public void Evaluated(double loss) => _evalLoss.Record(loss, _tags);

    /// <summary>Classification: the top-1 accuracy of the last evaluation.</summary>
    public void EvaluatedAccuracy(double accuracy) => _evalAccuracy.Record(accuracy, _tags);

    /// <summary>Classification: the top-1 accuracy of the logged training batch.</summary>
    public void TrainAccuracy(double accuracy) => _trainAccuracy.Record(accuracy, _tags);

    public void Diverged() => _divergences.Add(1, _tags);

    public void Spiked() => _spikes.Add(1, _tags);

    public void Skipped() => _skipped.Add(1, _tags);

    public void RolledBack() => _rollbacks.Add(1, _tags);

    public void Checkpointed() => _checkpoints.Add(1, _tags);

    public void Rounded(long saturated, long underflowed)
    {
        _saturated.Add(saturated, _tags);
        _underflowed.Add(underflowed, _tags);
    }
}
