using Forge.Abstractions.Parametrizations;
using Forge.Core.Composition;
using Forge.Core.Plugins;

namespace Forge.Core.Upscaling;

/// <summary>The starting points of specs with <c>init.from</c>: the checkpoint, widened by <c>init.upscale</c> (<see cref="WarmStart"/>).</summary>
public sealed class CheckpointStartingPoints(PluginCatalog catalog) : IStartingPoints
{
    public IStartingPoint Prepare(ResolvedSpec spec, IReadOnlyList<ScaledParameter> parameters, IReadOnlyList<ScaledParameter> tied) =>
        WarmStart.Prepare(spec, parameters, tied, new SpecLoader(catalog));
}
