using Forge.Host.Native;
using Forge.Host.Plugins;
using Forge.Host.Specs;
using Forge.Host.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Forge.Host.Cli;

/// <summary>What every command shares: its output streams and the translation of errors into messages and exit codes.</summary>
internal abstract class CommandBase(TextWriter output, TextWriter error)
{
    protected TextWriter Output { get; } = output;
    protected TextWriter Error { get; } = error;

    /// <summary>Shows what the native setup did (e.g. patched TorchSharp's wrapper), once per process.</summary>
    protected void ReportNativeSetup()
    {
        foreach (var note in TorchNativeSetup.TakeNotes())
            Error.WriteLine($"note: {note}");
    }

    /// <summary>Runs <paramref name="body"/>, turning expected failures into one-paragraph messages and exit codes.</summary>
    protected async Task<int> GuardAsync(Func<Task<int>> body, bool verbose = false)
    {
        try
        {
            return await body();
        }
        catch (SpecException e)
        {
            await Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (RunSetupException e)
        {
            await Error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is PluginFaultException or PluginCatalogException)
        {
            // A plugin that cannot be composed (it throws while loading or constructing): the run does not start.
            await Error.WriteLineAsync($"error: {e.Message}");
            if (verbose && e.InnerException is not null)
                await Error.WriteLineAsync(e.InnerException.ToString());
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Error.WriteLineAsync($"error: Forge failed unexpectedly: {e.GetType().Name}: {e.Message}" +
                                       (verbose ? Environment.NewLine + e : " (run again with --verbose for the stack trace, and please report it)."));
            return ExitCodes.Failed;
        }
    }

    protected static PluginCatalog LoadCatalog() => PluginCatalog.BuiltIn();

    /// <summary>Loads and validates the spec, prepares the process (device, threads) and builds the host that creates experiments.</summary>
    protected async Task<(SpecLoader Loader, ResolvedSpec Spec, RunEnvironment Environment, IHost Host)> PrepareAsync(
        string specPath, IReadOnlyList<string> overrides, bool verbose, CancellationToken cancellationToken)
    {
        var catalog = LoadCatalog();
        var loader = new SpecLoader(catalog);
        var spec = await loader.LoadAsync(specPath, overrides, cancellationToken);
        ReportNativeSetup();
        var environment = RunPreparation.Prepare(spec);
        return (loader, spec, environment, ForgeHostFactory.Build(environment, catalog, verbose));
    }

    /// <summary><see cref="PrepareAsync"/>, then builds the spec's experiment.</summary>
    protected async Task<ComposedExperiment> ComposeAsync(string specPath, IReadOnlyList<string> overrides, bool verbose, CancellationToken cancellationToken)
    {
        var (_, spec, environment, host) = await PrepareAsync(specPath, overrides, verbose, cancellationToken);
        return ComposedExperiment.Build(spec, environment, host);
    }
}

/// <summary>A validated spec, its built experiment, and the host that built it (disposed together).</summary>
internal sealed record ComposedExperiment(ResolvedSpec Spec, RunEnvironment Environment, IHost Host, Experiment Experiment) : IDisposable
{
    /// <summary>The host's trainer.</summary>
    public Trainer Trainer => Host.Services.GetRequiredService<Trainer>();

    /// <summary>Builds the spec's experiment with <paramref name="host"/>; the host is disposed if that fails.</summary>
    public static ComposedExperiment Build(ResolvedSpec spec, RunEnvironment environment, IHost host)
    {
        try
        {
            return new ComposedExperiment(spec, environment, host, host.Services.GetRequiredService<ExperimentBuilder>().Build(spec, environment));
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Prepares the process for <paramref name="spec"/> (device, threads) and builds it with a host over the built-in plugins.</summary>
    public static ComposedExperiment Build(ResolvedSpec spec)
    {
        var environment = RunPreparation.Prepare(spec);
        return Build(spec, environment, ForgeHostFactory.Build(environment, PluginCatalog.BuiltIn(), verbose: false));
    }

    public void Dispose()
    {
        Experiment.Dispose();
        Host.Dispose();
    }
}
