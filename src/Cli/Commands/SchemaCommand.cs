using Forge.Core.Composition;
using Forge.Core.Specs;
using Forge.Core.Errors;

namespace Forge.Cli.Commands;

/// <summary><c>forge schema</c>: the JSON Schema of specs, for editors (<c>experiments/*.json</c> reference it via <c>$schema</c>).</summary>
internal sealed class SchemaCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string? outputPath, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var text = SpecSchema.Generate(LoadCatalog()).ToJsonString(SpecJson.Options) + "\n";
            if (outputPath is null)
                await Output.WriteAsync(text);
            else
                await File.WriteAllTextAsync(outputPath, text, cancellationToken);
            return ExitCodes.Success;
        });
}
