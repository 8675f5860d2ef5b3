using Forge.Abstractions.Parametrizations;

namespace Forge.Core.Composition;

/// <summary>
/// Where an experiment's weights come from when not from its initialisation (the spec's <c>init</c> section: a
/// trained checkpoint, perhaps widened). <see cref="ExperimentBuilder"/> asks it to adjust the tensors' optimizer
/// factors before the optimizer exists, then to put the weights (and optimizer state) in once the experiment is built.
/// </summary>
public interface IStartingPoint : IDisposable
{
    /// <summary>The tensors with what the starting point changes in their scaling (e.g. Adam's ε factor), before the optimizer is created.</summary>
    IReadOnlyList<ScaledParameter> Adjust(IReadOnlyList<ScaledParameter> parameters);

    /// <summary>Puts the starting weights into the built <paramref name="experiment"/>; <paramref name="build"/> builds another spec's experiment (the checkpoint's own, to compare with).</summary>
    void Apply(Experiment experiment, Func<ResolvedSpec, Experiment> build);
}

/// <summary>Makes the starting point of a spec with an <c>init.from</c>.</summary>
public interface IStartingPoints
{
    /// <summary>The starting point of <paramref name="spec"/>, whose model has <paramref name="parameters"/> (and the tied uses <paramref name="tied"/>).</summary>
    IStartingPoint Prepare(ResolvedSpec spec, IReadOnlyList<ScaledParameter> parameters, IReadOnlyList<ScaledParameter> tied);
}
