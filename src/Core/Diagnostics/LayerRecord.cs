using Forge.Abstractions.Parametrizations;

namespace Forge.Core.Diagnostics;

/// <summary>One line of <c>layers.jsonl</c>: the per-layer diagnostics measured during update <see cref="Step"/>.</summary>
public sealed record LayerRecord(int Step, IReadOnlyList<TensorDiagnostics> Tensors, IReadOnlyList<ActivationDiagnostics> Activations);

/// <summary>
/// One trainable tensor at a diagnostic step. RMS values are root-mean-square entries. <see cref="UpdateRatio"/> is
/// RMS(ΔW) / RMS(W before the update). <see cref="SpectralRatio"/> (matrices only) is ‖A·ΔW‖₂ / √(fan_out/fan_in), A the
/// tensor's forward multiplier: the spectral condition for feature learning asks for it to be Θ(1) at every width
/// (Yang, Simon &amp; Bernstein 2023; docs/reference/spectral.md). Undefined figures are null: the gradient of a tensor the
/// loss did not reach, the ratio for a weight that was exactly zero (muP's zero-initialised readout and queries at the
/// first update), the spectral ratio of a vector.
/// </summary>
public sealed record TensorDiagnostics(string Name, ParameterRole Role, double LearningRate, double WeightRms, double? GradientRms,
    double UpdateRms, double? UpdateRatio, double? SpectralRatio);

/// <summary>RMS of a module's output in the forward pass of a diagnostic step.</summary>
public sealed record ActivationDiagnostics(string Module, double Rms);
