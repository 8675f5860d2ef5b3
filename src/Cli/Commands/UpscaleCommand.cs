using System.Globalization;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;
using Forge.Core.Files;
using Forge.Core.Upscaling;

namespace Forge.Cli.Commands;

/// <summary>
/// <c>forge upscale CHECKPOINT --width N [--noise s] [--output SPEC]</c>: writes the spec of the checkpoint's
/// experiment at width N that starts from the checkpoint widened (<see cref="WidenedSpec"/>), and proves it by building
/// it: the widened model must compute the checkpoint's function. <c>forge run</c> on that spec continues training.
/// </summary>
internal sealed class UpscaleCommand(TextWriter output, TextWriter error) : CommandBase(output, error)
{
    public Task<int> ExecuteAsync(string checkpointFolder, int width, double noise, string? outputPath, CancellationToken cancellationToken) =>
        GuardAsync(async () =>
        {
            var folder = Path.GetFullPath(checkpointFolder);
            CheckpointSidecar sidecar;
            try
            {
                sidecar = CheckpointStore.LoadSidecar(folder); // the tensors are read (and verified) once, when the widened spec is built
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new RunSetupException($"{e.Message} Give forge upscale a checkpoint folder (runs/NAME/TIME/checkpoints/step-N).", e);
            }
            var target = Path.GetFullPath(outputPath ?? WidenedSpec.DefaultPath(sidecar, width));
            var (wide, narrowWidth) = WidenedSpec.Of(folder, sidecar, width, noise, target, new SpecLoader(LoadCatalog()));

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await AtomicFile.WriteAllTextAsync(target, wide.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
            try
            {
                using var composed = await ComposeAsync(target, Array.Empty<string>(), cancellationToken);
                var experiment = composed.Experiment;
                string name = sidecar.Spec["name"]?.GetValue<string>() ?? "experiment";
                await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: width {narrowWidth} -> {width} ({width / narrowWidth}x, {experiment.ParameterCount:N0} parameters); {experiment.StartedFrom}"));
                await Output.WriteLineAsync($"wrote {target}; continue training with: forge run {Path.GetRelativePath(Directory.GetCurrentDirectory(), target)}");
                return ExitCodes.Success;
            }
            catch
            {
                File.Delete(target); // never leave a spec that does not build
                throw;
            }
        });
}
