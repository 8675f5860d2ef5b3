using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Core.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Hosting;

/// <summary>A validated spec, its built experiment, and the host that built it (disposed together).</summary>
public sealed record ComposedExperiment(ResolvedSpec Spec, RunEnvironment Environment, IHost Host, Experiment Experiment) : IDisposable
{
    /// <summary>The host's training loop.</summary>
    public TrainingLoop Loop => Host.Services.GetRequiredService<TrainingLoop>();

    /// <summary>A logger from the host's logging, for the loop's policies and observers.</summary>
    public ILogger Logger(string category) => Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);

    /// <summary>
    /// Prepares the process for <paramref name="spec"/> (device, threads), builds the host over <paramref name="catalog"/>
    /// (the built-in plugins when null) with <paramref name="logging"/>, and builds the experiment; the host is disposed
    /// if that fails. With <paramref name="dataset"/>, the experiment uses it instead of creating the spec's.
    /// </summary>
    public static ComposedExperiment Build(ResolvedSpec spec, PluginCatalog? catalog = null, Action<ILoggingBuilder>? logging = null, Forge.Abstractions.Data.IDatasetPlugin? dataset = null)
    {
        var environment = ProcessSetup.Prepare(spec);
        var host = ForgeHost.Build(environment, catalog ?? PluginCatalog.BuiltIn(), logging);
        try
        {
            return new ComposedExperiment(spec, environment, host, host.Services.GetRequiredService<ExperimentBuilder>().Build(spec, environment, dataset));
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Experiment.Dispose();
        Host.Dispose();
    }
}
