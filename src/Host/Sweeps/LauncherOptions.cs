using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Host.Sweeps;

/// <summary>Where a sweep's trials run.</summary>
public enum LauncherKind
{
    /// <summary>Processes on this machine (reused workers or a fresh process per trial).</summary>
    Local,

    /// <summary>One Slurm job array; each task runs <c>forge trial run SWEEP_DIR --index N</c>.</summary>
    Slurm,

    /// <summary>A Kubernetes Indexed Job manifest for the user to apply (Forge does not talk to a cluster).</summary>
    Kubernetes,
}

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

/// <summary>The <c>sweep.slurm</c> section: each array task's resources (sbatch's options of the same names).</summary>
public sealed class SlurmOptions
{
    [Description("sbatch --partition (default: the cluster's default partition).")]
    public string? Partition { get; set; }

    [Description("sbatch --account.")]
    public string? Account { get; set; }

    [Description("sbatch --gres, e.g. \"gpu:1\".")]
    public string? Gres { get; set; }

    [Description("sbatch --cpus-per-task; the trial uses this many threads.")]
    [Range(1, 1024)]
    public int CpusPerTask { get; set; } = 1;

    [Description("sbatch --mem, e.g. \"2G\".")]
    [RegularExpression("^[0-9]+[KMGT]?$", ErrorMessage = "must be a number with an optional K, M, G or T suffix, e.g. \"2G\"")]
    public string Memory { get; set; } = "2G";

    [Description("sbatch --time, e.g. \"01:00:00\".")]
    [RegularExpression("^[0-9:-]+$", ErrorMessage = "must be a Slurm time such as \"01:00:00\" or \"1-00:00:00\"")]
    public string Time { get; set; } = "01:00:00";

    [Description("Seconds between squeue polls while the array runs.")]
    [Range(0.1, 3600.0)]
    public double PollSeconds { get; set; } = 2;
}
