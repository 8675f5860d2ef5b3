using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Forge.Core.Composition;
using Forge.Core.Diagnostics;
using Forge.Core.Errors;
using Forge.Core.Runs;
using Forge.Cli.Rendering;
using Forge.Core.Hosting;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge coord-check SPEC --widths 64,128,256 --steps 3 --seeds 3</c>: runs <see cref="CoordinateCheck"/>, writes
/// <c>coord-check.csv</c>, <c>verdicts.csv</c> and one PNG per step into a run folder, prints each module's change
/// per 4x width at every step, and exits 1 when any module changes by more than the tolerance.
/// </summary>
internal sealed class CoordinateCheckCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, string widthsText, int steps, int seeds, double tolerance,
        string runsRoot, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var widths = ParseWidths(widthsText);
            if (steps < 1 || seeds < 1 || tolerance <= 1)
                throw new SpecException("command line", new SpecProblem("coord-check", "--steps and --seeds must be at least 1 and --tolerance greater than 1 (e.g. 1.2 for ±20 %)."));
            var spec = await LoadSpecAsync(specPath, overrides, cancellationToken); // validates once, reports every problem
            var environment = ProcessSetup.Prepare(spec);
            using var host = ForgeHost.Build(environment, LoadCatalog(), ConsoleLogging.For(Verbose));
            var builder = host.Services.GetRequiredService<ExperimentBuilder>();
            var loader = new SpecLoader(LoadCatalog());

            // spec.Document already carries the command-line overrides; each width and seed is resolved from a copy of it.
            var check = new CoordinateCheck(loader, s => builder.Build(s, environment));
            var samples = check.Run(spec.Document, spec.SpecPath, Array.Empty<string>(), widths, steps, seeds, line => Error.WriteLine(line));
            var verdicts = CoordinateCheckVerdict.Judge(samples, tolerance);

            var folder = await RunFolder.CreateAsync(runsRoot, spec, DateTimeOffset.UtcNow, cancellationToken, prefix: "coord-check-");
            await CoordinateCheckReport.WriteAsync(folder.Path, samples, verdicts, message => Error.WriteLine($"warning: {message}"), cancellationToken);

            await WriteTable(verdicts, steps, tolerance);
            var failed = verdicts.Where(v => !v.Passed).ToList();
            await Output.WriteLineAsync(failed.Count == 0
                ? $"coordinate check passed: every module within {tolerance:G3}x per 4x width at steps 1..{steps}. Results in {folder.Path}"
                : $"coordinate check FAILED: {failed.Select(v => v.Module).Distinct().Count()} modules change by more than {tolerance:G3}x per 4x width ({string.Join(", ", failed.Select(v => $"{v.Module}@t{v.Step}").Take(8))}). Results in {folder.Path}");
            return failed.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
        });

    private async Task WriteTable(IReadOnlyList<ModuleVerdict> verdicts, int steps, double tolerance)
    {
        var header = new StringBuilder($"{"module",-40}");
        for (int t = 1; t <= steps; t++)
            header.Append(CultureInfo.InvariantCulture, $" | t={t}: {"slope",6} {"spread",6} {"x per 4x",8}");
        await Output.WriteLineAsync(header.ToString());
        foreach (var group in verdicts.GroupBy(v => v.Module))
        {
            var line = new StringBuilder($"{group.Key,-40}");
            foreach (var v in group.OrderBy(v => v.Step))
                line.Append(CultureInfo.InvariantCulture, $" |      {v.Slope,6:F3} {v.Spread,6:F2} {v.ChangePer4x,7:F2}{(v.Passed ? " " : "!")}");
            await Output.WriteLineAsync(line.ToString());
        }
        await Output.WriteLineAsync($"(slope: of log2 mean|output| against log2 width; spread: largest / smallest size across widths; x per 4x: the fitted change per 4x width, '!' when outside [1/{tolerance:G3}, {tolerance:G3}])");
    }

    private static IReadOnlyList<int> ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var widths = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int w) || w < 1)
                throw new SpecException("command line", new SpecProblem("--widths", $"'{part}' is not a positive integer; write widths as a comma-separated list such as 64,128,256."));
            widths.Add(w);
        }
        if (widths.Distinct().Count() < 2)
            throw new SpecException("command line", new SpecProblem("--widths", "give at least two different widths, e.g. 64,256."));
        return widths.Distinct().Order().ToList();
    }
}
