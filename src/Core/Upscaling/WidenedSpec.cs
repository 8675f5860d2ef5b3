using System.Text.Json.Nodes;
using Forge.Core.Checkpoints;
using Forge.Core.Composition;
using Forge.Core.Errors;

namespace Forge.Core.Upscaling;

/// <summary>
/// The spec <c>forge upscale</c> writes: the checkpoint's own spec at the new width, starting from the checkpoint
/// widened (its <c>init</c> section), resuming when run again, without a sweep. Its relative paths (data, plugins)
/// are rewritten to hold from the folder it is written to.
/// </summary>
public static class WidenedSpec
{
    /// <summary>The widened spec's document, to be written at <paramref name="targetPath"/>.</summary>
    /// <param name="folder">The checkpoint folder (runs/NAME/TIME/checkpoints/step-N).</param>
    /// <param name="sidecar">Its sidecar.</param>
    /// <param name="width">The new width, an integer multiple of the checkpoint's.</param>
    /// <param name="noise">init.noise.</param>
    /// <param name="loader">Resolves the checkpoint's spec (to learn which of its fields are paths).</param>
    public static (JsonObject Document, int NarrowWidth) Of(string folder, CheckpointSidecar sidecar, int width, double noise, string targetPath, SpecLoader loader)
    {
        var narrow = sidecar.Spec.DeepClone().AsObject();
        int narrowWidth = narrow["model"]?["width"]?.GetValue<int>()
            ?? throw new RunSetupException($"the spec recorded in {folder} has no model.width, so Forge does not know the width to widen from; upscale models that have a width (mlp, gpt).");
        if (width <= narrowWidth || width % narrowWidth != 0)
            throw new RunSetupException($"--width {width} is not a multiple of the checkpoint's width {narrowWidth} larger than it; use {2 * narrowWidth}, {4 * narrowWidth}, ...");
        var specPath = sidecar.SpecPath ?? Path.Combine(Directory.GetCurrentDirectory(), "spec.json");
        ResolvedSpec recorded;
        try
        {
            recorded = loader.Resolve(narrow.DeepClone().AsObject(), specPath, Array.Empty<string>());
        }
        catch (SpecException e)
        {
            throw new RunSetupException($"the spec recorded in {folder} no longer resolves: {e.Message}", e);
        }
        var targetFolder = Path.GetDirectoryName(Path.GetFullPath(targetPath))!;
        var wide = SpecPaths.Rebase(narrow, recorded, targetFolder);
        string name = narrow["name"]?.GetValue<string>() ?? "experiment";
        wide.Remove("sweep");
        wide["name"] = $"{name}-w{width}";
        wide["model"]!["width"] = width;
        wide["init"] = new JsonObject { ["from"] = Path.GetRelativePath(targetFolder, folder), ["upscale"] = width / narrowWidth, ["noise"] = noise };
        wide["resume"] = "auto";
        return (wide, narrowWidth);
    }

    /// <summary>Where <c>forge upscale</c> writes by default: <c>NAME-wWIDTH.json</c> beside the checkpoint's spec (or in the current folder).</summary>
    public static string DefaultPath(CheckpointSidecar sidecar, int width)
    {
        var specDirectory = sidecar.SpecPath is { } recorded ? Path.GetDirectoryName(recorded)! : Directory.GetCurrentDirectory();
        string name = sidecar.Spec["name"]?.GetValue<string>() ?? "experiment";
        return Path.Combine(specDirectory, $"{name}-w{width}.json");
    }
}
