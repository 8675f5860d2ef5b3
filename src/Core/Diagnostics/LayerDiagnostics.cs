using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;
using Forge.Core.Composition;
using Forge.Core.Specs;

namespace Forge.Core.Diagnostics;

/// <summary>
/// Per-layer diagnostics, measured on the update after the first and then every <see cref="LayerDiagnosticsOptions.Interval"/>
/// updates — what a muP user checks when transfer fails: the RMS of every module's output, and for every trainable
/// tensor the RMS of its weight and gradient (before clipping), the RMS of its update relative to the weight, and for
/// matrices the spectral norm of the effective update (forward multiplier × ΔW, by power iteration) over
/// √(fan_out/fan_in), which the spectral condition (Yang, Simon &amp; Bernstein 2023;
/// docs/reference/spectral.md) asks to stay Θ(1) at every width. Everything is computed on the device and read back with
/// one transfer at the end of the measured step; other steps pay nothing. Power iteration draws its start vectors from
/// its own generator, seeded by the step, so turning diagnostics on does not change the training run and a resumed
/// run measures exactly what an uninterrupted one does.
/// </summary>
public sealed class LayerDiagnostics : IDisposable
{
    private readonly Experiment _experiment;
    private readonly LayerDiagnosticsOptions _options;
    private readonly IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> _modules;
    private const long StartVectorSeed = 0x5EC7_2A1;
    private readonly Generator _startVectors = new(StartVectorSeed);

    public LayerDiagnostics(Experiment experiment, LayerDiagnosticsOptions options)
    {
        _experiment = experiment;
        _options = options;
        _modules = HookableModules.Of(experiment.Model);
    }

    /// <summary>Whether update <paramref name="step"/> (1-based) is measured.</summary>
    public bool IsDue(int step) => _options.Interval > 0 && (step == 1 || step % _options.Interval == 0);

    /// <summary>Starts measuring the current update (registers the forward hooks): call before its forward pass.</summary>
    public Measurement Begin() => new(this);

    public void Dispose() => _startVectors.Dispose();

    /// <summary>The measurement of one update; follow the order forward → <see cref="ForwardDone"/> → backward → <see cref="GradientsReady"/> → update → <see cref="Finish"/>.</summary>
    public sealed class Measurement : IDisposable
    {
        private readonly LayerDiagnostics _owner;
        private readonly List<(string Module, Tensor Rms)> _activations = new();
        private readonly List<Action> _removeHooks = new();
        private Tensor[]? _gradientRms, _before;

        internal Measurement(LayerDiagnostics owner)
        {
            _owner = owner;
            foreach (var (name, module) in owner._modules)
            {
                var handle = module.register_forward_hook((_, _, output) =>
                {
                    using (no_grad())
                        _activations.Add((name, Rms(output)));
                    return output;
                });
                _removeHooks.Add(handle.remove);
            }
        }

        /// <summary>Stops observing module outputs (so the loss and evaluation passes are not counted).</summary>
        public void ForwardDone()
        {
            foreach (var remove in _removeHooks)
                remove();
            _removeHooks.Clear();
        }

        /// <summary>Records gradient RMS (before clipping) and a copy of every weight (to measure the update).</summary>
        public void GradientsReady()
        {
            using var noGrad = no_grad();
            var parameters = _owner._experiment.Parameters;
            _gradientRms = parameters.Select(p => p.Value.grad is { } g ? Rms(g) : full(1, float.NaN, device: p.Value.device)).ToArray();
            _before = parameters.Select(p => p.Value.detach().clone()).ToArray();
        }

        /// <summary>After the optimizer's update: computes every figure and reads them back in one transfer.</summary>
        public LayerRecord Finish(int step)
        {
            if (_gradientRms is null || _before is null)
                throw new InvalidOperationException("GradientsReady must be called before Finish.");
            using var noGrad = no_grad();
            _owner._startVectors.manual_seed(StartVectorSeed + step); // a function of the step alone, so a resumed run measures the same
            var parameters = _owner._experiment.Parameters;
            var figures = new List<Tensor>();
            for (int i = 0; i < parameters.Count; i++)
            {
                var weight = parameters[i].Value.detach();
                var update = weight - _before[i];
                var weightRms = Rms(weight);
                var updateRms = Rms(update);
                figures.Add(weightRms);
                figures.Add(_gradientRms[i]);
                figures.Add(updateRms);
                figures.Add(updateRms / Rms(_before[i]));
                figures.Add(update.dim() == 2 ? SpectralRatio(update, parameters[i]) : full(1, float.NaN, device: weight.device));
            }
            figures.AddRange(_activations.Select(a => a.Rms));
            var values = cat(figures.Select(f => f.to(float32).reshape(1)).ToArray()).cpu().data<float>().ToArray(); // the one transfer

            var rates = LearningRates();
            var tensors = parameters.Select((p, i) => new TensorDiagnostics(
                p.Descriptor.Name, p.Descriptor.Role, rates.GetValueOrDefault(p.Value.Handle, double.NaN),
                values[5 * i], Finite(values[5 * i + 1]), values[5 * i + 2], Finite(values[5 * i + 3]), Finite(values[5 * i + 4]))).ToList();
            var activations = _activations.Select((a, j) => new ActivationDiagnostics(a.Module, values[5 * parameters.Count + j])).ToList();
            return new LayerRecord(step, tensors, activations);
        }

        /// <summary>‖A·ΔW‖₂ / √(fan_out/fan_in), with A the tensor's forward multiplier.</summary>
        private Tensor SpectralRatio(Tensor update, ScaledParameter parameter)
        {
            var sigma = SpectralNorm.Estimate(update, _owner._options.PowerIterations, _owner._startVectors) * Math.Abs(parameter.Multiplier);
            var descriptor = parameter.Descriptor;
            return sigma / Math.Sqrt((double)descriptor.FanOut.Size / descriptor.FanIn.Size);
        }

        private Dictionary<IntPtr, double> LearningRates()
        {
            var rates = new Dictionary<IntPtr, double>();
            foreach (var group in _owner._experiment.Optimizer.ParamGroups)
            foreach (var parameter in OptimizerGroups.ParametersOf(group))
                rates[parameter.Handle] = group.LearningRate;
            return rates;
        }

        /// <summary>Null for what is undefined: no gradient, a ratio to a weight that was exactly zero, a non-matrix's spectral ratio.</summary>
        private static double? Finite(float value) => float.IsFinite(value) ? value : null;

        private static Tensor Rms(Tensor x) => x.detach().to(float32).square().mean().sqrt();

        public void Dispose() => ForwardDone();
    }
}
