using System.Runtime.InteropServices;
using Forge.Core.Errors;

namespace Forge.Cli;

/// <summary>
/// SIGINT (Ctrl-C), SIGTERM (a scheduler's preemption) and SIGUSR1 (the one mpirun forwards to its ranks without
/// killing them a second later, and Slurm's usual advance warning, <c>--signal=USR1@…</c>): the first cancels
/// <see cref="Token"/>, so a run finishes its current step, writes a checkpoint and its summary, and exits with
/// <see cref="ExitCodes.Interrupted"/>; a second signal exits at once with <see cref="ExitCodes.Aborted"/>, losing the
/// work since the last checkpoint.
/// </summary>
internal sealed partial class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _error;
    private int _received;

    public TerminationSignals(TextWriter error)
    {
        _error = error;
        _registrations = new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, Sigusr1 }.Select(s => PosixSignalRegistration.Create(s, Handle)).ToArray();
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>SIGUSR1's number (PosixSignal has no name for it; raw numbers are allowed): 30 on macOS, 10 on Linux.</summary>
    private static PosixSignal Sigusr1 => (PosixSignal)(OperatingSystem.IsMacOS() ? 30 : 10);

    private static string Name(PosixSignal signal) => signal == Sigusr1 ? "SIGUSR1" : signal.ToString();

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // no default termination: we stop cleanly
        if (Interlocked.Increment(ref _received) == 1)
        {
            _error.WriteLine($"{Name(context.Signal)}: stopping after the current step (a checkpoint and the summary are written); send it again to exit at once.");
            _cancel.Cancel();
            return;
        }
        _error.WriteLine($"{Name(context.Signal)} again: exiting now; the run continues from its last checkpoint when started again.");
        _error.Flush();
        ExitNow(ExitCodes.Aborted);
    }

    /// <summary>
    /// Ends the process without running exit handlers: Environment.Exit would run libtorch's static destructors while
    /// the training thread is still inside libtorch, which crashes (SIGSEGV) instead of exiting.
    /// </summary>
    private static void ExitNow(int code)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            _exit(code);
        Environment.Exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _cancel.Dispose();
    }
}
