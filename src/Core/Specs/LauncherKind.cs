namespace Forge.Core.Specs;

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
