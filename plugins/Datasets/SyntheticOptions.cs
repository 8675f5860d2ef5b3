using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Forge.Plugins.Datasets;

/// <summary>What the synthetic teacher's outputs become.</summary>
public enum SyntheticTask
{
    /// <summary>Targets are the teacher's outputs plus optional Gaussian noise.</summary>
    Regression,
    /// <summary>Targets are the index of the teacher's largest output.</summary>
    Classification,
}

/// <summary>Options of the <c>synthetic</c> dataset.</summary>
public sealed class SyntheticOptions
{
    [Description("regression (MSE on the teacher's outputs) or classification (cross-entropy on the teacher's argmax).")]
    public SyntheticTask Task { get; set; } = SyntheticTask.Regression;

    [Description("Input dimension; inputs are standard Gaussian vectors.")]
    [Range(1, 1 << 16)]
    public int Features { get; set; } = 16;

    [Description("Regression targets, or number of classes.")]
    [Range(1, 1 << 16)]
    public int Outputs { get; set; } = 4;

    [Description("Hidden width of the fixed random teacher network.")]
    [Range(1, 1 << 16)]
    public int TeacherWidth { get; set; } = 64;

    [Description("Standard deviation of Gaussian noise added to regression targets.")]
    [Range(0.0, double.MaxValue)]
    public double Noise { get; set; }

    [Description("Seed of the teacher and the held-out set; defaults to the experiment's seed.")]
    public long? Seed { get; set; }
}
