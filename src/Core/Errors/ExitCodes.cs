namespace Forge.Core.Errors;

/// <summary>The process exit codes of <c>forge</c> (and of a sweep trial, which reports the code its run would have exited with).</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;
    /// <summary>The run started but failed or diverged.</summary>
    public const int Failed = 1;
    /// <summary>Bad input: the spec, its overrides, a file or plugin it names (one that cannot be loaded or constructed), a checkpoint, or the command line.</summary>
    public const int BadInput = 2;
    /// <summary>Stopped by Ctrl-C / SIGTERM (128 + SIGINT).</summary>
    public const int Interrupted = 130;

    /// <summary>A second SIGINT/SIGTERM: exited at once, without a final checkpoint or summary.</summary>
    public const int Aborted = 131;
}
