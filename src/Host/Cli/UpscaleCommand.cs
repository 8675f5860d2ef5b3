using System.Globalization;
using System.Text.Json.Nodes;
using Forge.Host.Checkpoints;
using Forge.Host.Specs;
using Forge.Host.Training;

namespace Forge.Host.Cli;

/// <summary>
/// <c>forge upscale CHECKPOINT --width N [--noise s] [--output SPEC]</c>: writes the spec of the checkpoint's
/// experiment at width N that starts from the checkpoint widened (its <c>init</c> section), and proves it by building
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
            var narrow = sidecar.Spec.DeepClone().AsObject();
            int narrowWidth = narrow["model"]?["width"]?.GetValue<int>()
                ?? throw new RunSetupException($"the spec recorded in {folder} has no model.width, so Forge does not know the width to widen from; upscale models that have a width (mlp, gpt).");
            if (width <= narrowWidth || width % narrowWidth != 0)
                throw new RunSetupException($"--width {width} is not a multiple of the checkpoint's width {narrowWidth} larger than it; use {2 * narrowWidth}, {4 * narrowWidth}, ...");
            int factor = width / narrowWidth;

            var specDirectory = sidecar.SpecPath is { } recorded ? Path.GetDirectoryName(recorded)! : Directory.GetCurrentDirectory();
            string name = narrow["name"]?.GetValue<string>() ?? "experiment";
            var target = Path.GetFullPath(outputPath ?? Path.Combine(specDirectory, $"{name}-w{width}.json"));
            var wide = narrow;
            wide.Remove("sweep");
            wide["name"] = $"{name}-w{width}";
            wide["model"]!["width"] = width;
            wide["init"] = new JsonObject { ["from"] = Path.GetRelativePath(Path.GetDirectoryName(target)!, folder), ["upscale"] = factor, ["noise"] = noise };
            wide["resume"] = "auto";

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await Files.AtomicFile.WriteAllTextAsync(target, wide.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n", cancellationToken);
            try
            {
                using var composed = await ComposeAsync(target, Array.Empty<string>(), verbose: false, cancellationToken);
                var experiment = composed.Experiment;
                await Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: width {narrowWidth} -> {width} ({factor}x, {experiment.ParameterCount:N0} parameters); {experiment.StartedFrom!.Describe()}"));
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
