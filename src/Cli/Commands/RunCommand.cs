using Forge.Cli.Rendering;
using Forge.Core.Specs;

namespace Forge.Cli.Commands;

/// <summary>The run settings <c>forge run</c>'s flags set directly, over the spec's (null: the spec's own).</summary>
/// <param name="Exporters"><c>--metrics a,b</c>.</param>
/// <param name="MetricsPort"><c>--metrics-port N</c>.</param>
/// <param name="Resume"><c>--resume auto|never|PATH</c>.</param>
internal sealed record RunFlags(IReadOnlyList<MetricsExporter>? Exporters = null, int? MetricsPort = null, string? Resume = null)
{
    public void ApplyTo(RunSettings settings)
    {
        if (Exporters is not null)
            settings.Metrics.Exporters = Exporters.ToList();
        if (MetricsPort is { } port)
            settings.Metrics.Prometheus.Port = port;
        if (Resume is not null)
            settings.Resume = Resume;
    }
}

/// <summary><c>forge run SPEC</c>: validate, train (<see cref="TrainingRun"/>), show its progress and exit with its outcome.</summary>
internal sealed class RunCommand(TextWriter output, TextWriter error, bool live) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, RunFlags flags, string runsRoot, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var spec = await LoadSpecAsync(specPath, overrides, cancellationToken);
            flags.ApplyTo(spec.Settings);
            return await ConsoleRun.TrainAsync(spec, runsRoot, live, Verbose, Output, Error, cancellationToken);
        });
}
