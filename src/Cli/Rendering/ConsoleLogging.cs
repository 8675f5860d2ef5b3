using Microsoft.Extensions.Logging;

namespace Forge.Cli.Rendering;

/// <summary>How a command's run logs: one line per message on standard error, warnings and errors only unless <c>--verbose</c>.</summary>
internal static class ConsoleLogging
{
    public static Action<ILoggingBuilder> For(bool verbose) => logging =>
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Warning);
    };
}
