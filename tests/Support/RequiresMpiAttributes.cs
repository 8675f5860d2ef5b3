namespace Forge.Tests.Support;

/// <summary>A fact skipped, saying why, where Open MPI's mpirun is not installed (.ci/run installs openmpi-bin).</summary>
public sealed class RequiresMpiFactAttribute : FactAttribute
{
    public RequiresMpiFactAttribute()
    {
        if (MpiJob.Mpirun is null)
            Skip = MpiJob.Missing;
    }
}

/// <summary>A theory skipped, saying why, where Open MPI's mpirun is not installed.</summary>
public sealed class RequiresMpiTheoryAttribute : TheoryAttribute
{
    public RequiresMpiTheoryAttribute()
    {
        if (MpiJob.Mpirun is null)
            Skip = MpiJob.Missing;
    }
}

/// <summary>A fact skipped, saying why, where Open MPI or a Slurm node that answers is missing.</summary>
public sealed class RequiresSlurmAndMpiFactAttribute : FactAttribute
{
    public RequiresSlurmAndMpiFactAttribute()
    {
        Skip = MpiJob.Mpirun is null ? MpiJob.Missing : new RequiresSlurmFactAttribute().Skip;
    }
}
