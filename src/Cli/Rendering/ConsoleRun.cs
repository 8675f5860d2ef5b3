using Forge.Core.Composition;
using Forge.Core.Plugins;
using Forge.Core.Runs;

namespace Forge.Cli.Rendering;

/// <summary>Trains a resolved spec (<see cref="TrainingRun"/>) with its progress, warnings and outcome on the console; the result is <c>forge run</c>'s exit code.</summary>
internal static class ConsoleRun
{
    public static async Task<int> TrainAsync(ResolvedSpec spec, string runsRoot, bool live, bool verbose, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var sink = new ConsoleRunSink(output, error, live);
        var summary = await TrainingRun.ExecuteAsync(spec, new RunOptions(runsRoot, null, ConsoleLogging.For(verbose), PluginCatalog.BuiltIn()), sink, cancellationToken);
        return summary.ExitCode;
    }
}
