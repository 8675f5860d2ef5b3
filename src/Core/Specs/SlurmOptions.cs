using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Core.Specs;

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

    [Description("MPI ranks per trial: each array task gets this many Slurm tasks (sbatch --ntasks) and runs its trial under mpirun, data-parallel (docs/guide/distributed.md). Default 1: one process per trial.")]
    [Range(1, 4096)]
    public int TasksPerTrial { get; set; } = 1;

    [Description("Seconds between squeue polls while the array runs.")]
    [Range(0.1, 3600.0)]
    public double PollSeconds { get; set; } = 2;
}
