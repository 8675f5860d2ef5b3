using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

/// <summary>The <c>sweep.kubernetes</c> section: the Indexed Job's pod (launcher kubernetes).</summary>
public sealed class KubernetesOptions
{
    [Description("Container image with Forge in it (required for launcher kubernetes).")]
    public string? Image { get; set; }

    [Description("The command that runs Forge in the image; the trial arguments follow it.")]
    public List<string> Command { get; set; } = new() { "forge" };

    [Description("Namespace of the Job (default: kubectl's current one).")]
    public string? Namespace { get; set; }

    [Description("CPU request and limit of each pod, e.g. \"2\".")]
    public string Cpu { get; set; } = "1";

    [Description("Memory request and limit of each pod, e.g. \"4Gi\".")]
    public string Memory { get; set; } = "2Gi";

    [Description("nvidia.com/gpu limit of each pod (0: none).")]
    [Range(0, 64)]
    public int Gpus { get; set; }

    [Description("PersistentVolumeClaim that holds the runs folder (required for launcher kubernetes); it is mounted at the runs folder's path here, so the sweep's paths are the same inside the pods.")]
    public string? VolumeClaim { get; set; }
}
