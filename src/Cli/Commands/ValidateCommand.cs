using Forge.Core.Errors;
namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge validate SPEC</c>: everything <c>run</c> checks before training (the spec, overrides, plugin options,
/// and the plugins' own checks such as a missing data file, by composing the experiment) without training.
/// </summary>
internal sealed class ValidateCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var composed = await ComposeAsync(specPath, overrides, cancellationToken);
            var (spec, experiment) = (composed.Spec, composed.Experiment);
            await Output.WriteLineAsync($"{specPath} is valid: {spec.Model.Plugin.Name} ({experiment.ParameterCount:N0} parameters) under {spec.Parametrization.Plugin.Name}, {spec.Data.Plugin.Name} data, {spec.Optimizer.Plugin.Name}.");
            return ExitCodes.Success;
        });
}
