using Forge.Abstractions.Parametrizations;

namespace Forge.Core.Composition;

/// <summary>
/// Where an experiment's weights come from when not from its initialisation (the spec's <c>init</c> section: a
/// trained checkpoint, perhaps widened). <see cref="ExperimentBuilder"/> hands it the built model before the optimizer
/// exists, to put the weights in and adjust the tensors' optimizer factors, then the finished experiment, to put the
/// optimizer state in.
/// </summary>
public interface IStartingPoint : IDisposable
{
    /// <summary>
    /// Puts the starting weights into <paramref name="model"/> and returns its tensors with what the starting point
    /// changes in their scaling (e.g. Adam's ε factor), before the optimizer is created; <paramref name="build"/> builds
    /// another spec's experiment (the checkpoint's own, to compare with).
    /// </summary>
    IReadOnlyList<ScaledParameter> Adjust(StartingModel model, Func<ResolvedSpec, Experiment> build);

    /// <summary>Puts the starting optimizer state into the built <paramref name="experiment"/> and says what was done in <see cref="Experiment.StartedFrom"/>.</summary>
    void Apply(Experiment experiment);
}

/// <summary>Makes the starting point of a spec with an <c>init.from</c>.</summary>
public interface IStartingPoints
{
    /// <summary>The starting point of <paramref name="spec"/>, whose model has <paramref name="parameters"/> (and the tied uses <paramref name="tied"/>).</summary>
    IStartingPoint Prepare(ResolvedSpec spec, IReadOnlyList<ScaledParameter> parameters, IReadOnlyList<ScaledParameter> tied);
}
