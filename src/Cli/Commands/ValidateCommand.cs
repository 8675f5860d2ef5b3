using Forge.Core.Errors;
using Forge.Core.Specs;
namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge validate SPEC</c>: everything <c>run</c> checks before training (the spec, overrides, plugin options,
/// and the plugins' own checks such as a missing data file, by composing the experiment) without training;
/// <c>--explain</c> lists every field of the expanded spec with the file of its <c>extends</c> chain that gave it.
/// </summary>
internal sealed class ValidateCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, bool explain, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var composed = await ComposeAsync(specPath, overrides, cancellationToken);
            var (spec, experiment) = (composed.Spec, composed.Experiment);
            await Output.WriteLineAsync($"{specPath} is valid: {spec.Model.Plugin.Name} ({experiment.ParameterCount:N0} parameters) under {spec.Parametrization.Plugin.Name}, {spec.Data.Plugin.Name} data, {spec.Optimizer.Plugin.Name}.");
            if (explain)
                await ExplainAsync(specPath, spec);
            return ExitCodes.Success;
        });

    /// <summary>Every field of the expanded spec with the file (of the <c>extends</c> chain) or <c>--set</c> that gave it.</summary>
    private async Task ExplainAsync(string specPath, Forge.Core.Composition.ResolvedSpec spec)
    {
        var layers = SpecComposition.Layers(specPath);
        var origins = SpecComposition.Origins(spec.Document, layers, spec.Overrides.Select(o => SpecOverride.Parse(o).Path).ToList());
        int width = origins.Max(o => o.Field.Length);
        await Output.WriteLineAsync($"fields and where each comes from ({string.Join(" extends ", layers.Select(l => Path.GetRelativePath(Environment.CurrentDirectory, l.File)))}):");
        foreach (var (field, file) in origins)
            await Output.WriteLineAsync($"  {field.PadRight(width)}  {(file == "--set" ? file : Path.GetRelativePath(Environment.CurrentDirectory, file))}");
    }
}
