using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Abstractions.Callbacks;

/// <summary>What a callback gets when the run starts.</summary>
/// <param name="Model">The model being trained.</param>
/// <param name="Parameters">Every trainable tensor, each once, with its descriptor and the parametrization's decision (its name is the one checkpoints use).</param>
/// <param name="Optimizer">The optimizer.</param>
/// <param name="Step">Updates already taken: 0 for a fresh run, the checkpoint's step for a resumed one.</param>
/// <param name="TotalSteps">The planned number of updates.</param>
/// <param name="RunFolder">The run's folder (runs/NAME/TIME), where a callback may write files of its own.</param>
public sealed record RunStartContext(torch.nn.Module Model, IReadOnlyList<ScaledParameter> Parameters, torch.optim.Optimizer Optimizer, int Step, int TotalSteps, string RunFolder);
