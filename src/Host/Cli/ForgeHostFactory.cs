using Forge.Abstractions.Plugins;
using Forge.Host.Plugins;
using Forge.Host.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Forge.Host.Cli;

/// <summary>Builds the generic host (DI, logging) a run's services and plugins are created from.</summary>
internal static class ForgeHostFactory
{
    public static IHost Build(RunEnvironment environment, PluginCatalog catalog, bool verbose)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = "forge",
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
        builder.Services.AddMetrics(); // IMeterFactory
        builder.Services.AddSingleton(catalog);
        builder.Services.AddSingleton(environment);
        builder.Services.AddSingleton<IRunEnvironment>(environment);
        builder.Services.AddSingleton<ExperimentBuilder>();
        builder.Services.AddSingleton<Trainer>();
        return builder.Build();
    }
}
