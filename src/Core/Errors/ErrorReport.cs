
namespace Forge.Core.Errors;

/// <summary>
/// What an exception that stopped a command means for the user: the exit code and a one-paragraph message. Problems
/// with the input (a spec, a file, a checkpoint, a plugin that cannot be loaded or constructed) are bad input, exit 2,
/// shown as they are; anything else is Forge failing unexpectedly, exit 1, with the stack trace only when asked for.
/// </summary>
public static class ErrorReport
{
    public static (int ExitCode, string Message) Describe(Exception exception, bool verbose = false) => exception switch
    {
        SpecException or RunSetupException => (ExitCodes.BadInput, exception.Message),
        PluginFaultException or PluginCatalogException => (ExitCodes.BadInput,
            verbose && exception.InnerException is { } inner ? $"{exception.Message}{Environment.NewLine}{inner}" : exception.Message),
        _ => (ExitCodes.Failed, $"Forge failed unexpectedly: {exception.GetType().Name}: {exception.Message}" +
                                (verbose ? Environment.NewLine + exception : " (run again with --verbose for the stack trace, and please report it).")),
    };
}
