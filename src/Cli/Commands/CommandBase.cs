using Forge.Cli.Rendering;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Hosting;
using Forge.Core.Native;
using Forge.Core.Plugins;

namespace Forge.Cli.Commands;

/// <summary>What every command shares: its output streams and the translation of errors into messages and exit codes.</summary>
internal abstract class CommandBase(TextWriter output, TextWriter error)
{
    protected TextWriter Output { get; } = output;
    protected TextWriter Error { get; } = error;

    /// <summary><c>--verbose</c>: informational logs, and the stack trace of an unexpected failure.</summary>
    public bool Verbose { get; init; }

    /// <summary>Shows what the native setup did (e.g. patched TorchSharp's wrapper), once per process.</summary>
    protected void ReportNativeSetup()
    {
        foreach (var note in TorchNativeSetup.TakeNotes())
            Error.WriteLine($"note: {note}");
    }

    /// <summary>Runs <paramref name="body"/>, turning expected failures into one-paragraph messages and exit codes (<see cref="ErrorReport"/>).</summary>
    protected async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var (exitCode, message) = ErrorReport.Describe(e, Verbose);
            await Error.WriteLineAsync($"error: {message}");
            return exitCode;
        }
    }

    protected static PluginCatalog LoadCatalog() => PluginCatalog.BuiltIn();

    /// <summary>Loads and validates the spec with its <c>--set</c> overrides.</summary>
    protected async Task<ResolvedSpec> LoadSpecAsync(string specPath, IReadOnlyList<string> overrides, CancellationToken cancellationToken)
    {
        var spec = await new SpecLoader(LoadCatalog()).LoadAsync(specPath, overrides, cancellationToken);
        ReportNativeSetup();
        return spec;
    }

    /// <summary>Loads the spec and builds its experiment as <c>forge run</c> would, logging to the console.</summary>
    protected async Task<ComposedExperiment> ComposeAsync(string specPath, IReadOnlyList<string> overrides, CancellationToken cancellationToken)
    {
        var spec = await LoadSpecAsync(specPath, overrides, cancellationToken);
        return ComposedExperiment.Build(spec, LoadCatalog(), ConsoleLogging.For(Verbose));
    }
}
