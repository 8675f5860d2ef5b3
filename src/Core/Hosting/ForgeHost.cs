using Forge.Abstractions.Plugins;
using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Core.Training;
using Forge.Core.Upscaling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Hosting;

/// <summary>
/// The generic host (Microsoft.Extensions.Hosting: DI, logging) a run's services and plugins are created from: the
/// plugin catalog, the run environment, the experiment builder with its starting points, and the training loop.
/// Where logs go is the caller's choice (<paramref name="logging"/>): the command line writes them to the console, a
/// sweep worker into the trial's log.
/// </summary>
public static class ForgeHost
{
    public static IHost Build(RunEnvironment environment, PluginCatalog catalog, Action<ILoggingBuilder>? logging = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "forge",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.AddMetrics(); // IMeterFactory
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(environment);
        builder.Services.AddSingleton<IRunEnvironment>(environment);
        builder.Services.AddSingleton<IStartingPoints, CheckpointStartingPoints>();
        builder.Services.AddSingleton<ExperimentBuilder>();
        builder.Services.AddSingleton<TrainingLoop>();
        return builder.Build();
    }
}
