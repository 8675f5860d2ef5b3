namespace Forge.Core.Training;

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    Completed,
    Diverged,
    Interrupted,
    Failed,
}
