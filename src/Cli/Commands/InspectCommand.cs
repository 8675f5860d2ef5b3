using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Forge.Core.Inspection;
using Forge.Core.Specs;
using Forge.Core.Errors;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge inspect SPEC</c>: one row per trainable tensor (role, shape, fans, width multipliers, init, forward
/// multiplier, effective learning rate and weight decay at step 0) plus attention and residual scales, read off
/// the experiment exactly as <c>forge run</c> builds it.
/// </summary>
internal sealed class InspectCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, bool json, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            using var composed = await ComposeAsync(specPath, overrides, cancellationToken);
            var report = InspectionReport.From(composed.Experiment);
            if (json)
                await Output.WriteLineAsync(JsonSerializer.Serialize(report, SpecJson.OutputOptions));
            else
                WriteTable(report);
            return ExitCodes.Success;
        });

    private void WriteTable(InspectionReport report)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        console.WriteLine($"precision {report.Precision}");
        console.WriteLine($"ops {report.Ops}");
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{report.Parametrization} with {report.Optimizer}: base lr {report.BaseLearningRate:G4}, schedule factor at step 0 {report.ScheduleFactorAtStep0:G4}, {report.Parameters:N0} parameters"));
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "name", "role", "shape", "fan-in", "fan-out", "m_in", "m_out", "init", "std", "multiplier", "lr", "weight decay", "eps x" })
            table.AddColumn(new TableColumn(column));
        foreach (var r in report.Rows)
            table.AddRow(new[]
            {
                r.Name, r.Role, string.Join("x", r.Shape), r.FanIn, r.FanOut, G(r.FanInMultiplier), G(r.FanOutMultiplier), r.Init,
                double.IsNaN(r.InitStd) ? "-" : G(r.InitStd), G(r.ForwardMultiplier), G(r.LearningRate), G(r.WeightDecay), G(r.EpsilonFactor),
            }.Select(Markup.Escape).ToArray());
        console.Write(table);
        foreach (var scale in report.Scales)
            console.WriteLine($"{scale.Kind} {scale.Name}: {G(scale.Value)}");
    }

    private static string G(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
