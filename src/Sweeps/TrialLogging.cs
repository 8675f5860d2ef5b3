using Microsoft.Extensions.Logging;

namespace Forge.Sweeps;

/// <summary>A logger provider that writes a trial's log messages (warnings and worse) into its <see cref="TrialLog"/>.</summary>
public sealed class TrialLogging(TrialLog log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TrialLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                log.Error($"{DateTime.Now:HH:mm:ss} {Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}");
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => level.ToString().ToLowerInvariant(),
        };
    }
}
