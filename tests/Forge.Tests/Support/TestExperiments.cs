using System.Text.Json.Nodes;
using Forge.Host.Cli;
using Forge.Host.Plugins;
using Forge.Host.Specs;
using Forge.Host.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Forge.Tests.Support;

/// <summary>Composes an experiment in-process exactly as <c>forge run</c> does, for tests that inspect the loop directly.</summary>
public sealed class TestExperiment : IDisposable
{
    private readonly IHost _host;

    private TestExperiment(IHost host, Experiment experiment)
    {
        _host = host;
        Experiment = experiment;
    }

    internal Experiment Experiment { get; }

    internal Trainer Trainer => _host.Services.GetRequiredService<Trainer>();

    public static TestExperiment Build(JsonObject spec)
    {
        var catalog = PluginCatalog.BuiltIn();
        var resolved = new SpecLoader(catalog).Resolve(spec, Path.Combine(TestSpecs.RepositoryRoot, "experiments", "test.json"), Array.Empty<string>());
        var environment = RunPreparation.Prepare(resolved);
        var host = ForgeHostFactory.Build(environment, catalog, verbose: false);
        return new TestExperiment(host, host.Services.GetRequiredService<ExperimentBuilder>().Build(resolved, environment));
    }

    public void Dispose()
    {
        Experiment.Dispose();
        _host.Dispose();
    }
}

/// <summary>Discards progress reports.</summary>
internal sealed class NoProgress : Forge.Host.Console.ITrainingProgress
{
    public void Report(Forge.Host.Console.ProgressUpdate update) { }
}
