using System.Runtime.InteropServices;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Forge.Core.Distributed;

/// <summary>
/// <see cref="ICollective"/> on Open MPI: MPI_COMM_WORLD of the job <c>mpirun</c> (or <c>srun</c>) started. Initialised
/// once per process with MPI_THREAD_SERIALIZED (the host and the training thread call it, never at once) and
/// finalised when disposed. Sums are MPI_SUM in place; buffers go in chunks of <see cref="AllReduceChunkBytes"/>.
/// </summary>
public sealed unsafe class MpiCollective : ICollective
{
    private const int ThreadSerialized = 2;
    private readonly MpiLibrary _mpi;
    private readonly CollectiveWatchdog _watchdog;
    private bool _finalized;

    private MpiCollective(MpiLibrary mpi, int localSize, TimeSpan timeout)
    {
        _mpi = mpi;
        int initialized, provided, rank, size;
        MpiLibrary.Check(mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0)
            MpiLibrary.Check(mpi.InitThread(null, 0, ThreadSerialized, &provided), "MPI_Init_thread");
        MpiLibrary.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
        MpiLibrary.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
        LocalSize = Math.Clamp(localSize, 1, size);
        Description = LibraryVersion(mpi);
        _watchdog = new CollectiveWatchdog(timeout, $"rank {rank} of {size}", EndStuckJob);
    }

    /// <summary>Joins the job, or returns null with the reason in <paramref name="error"/> when libmpi cannot be loaded.</summary>
    /// <param name="timeout">How long one collective call may wait for the other ranks before this rank ends the job (<see cref="CollectiveWatchdog"/>).</param>
    public static MpiCollective? TryJoin(int localSize, TimeSpan timeout, out string error)
    {
        var mpi = MpiLibrary.TryLoad(out error);
        return mpi is null ? null : new MpiCollective(mpi, localSize, timeout);
    }

    public int Rank { get; }
    public int Size { get; }
    public int LocalSize { get; }
    public string Description { get; }

    /// <summary>
    /// Bytes per MPI_Allreduce call: larger buffers go in chunks of this size. Open MPI 4.1.4's shared-memory
    /// all-reduce of 2 ranks here moves 6 GB/s up to 16 MB per call and 0.35 GB/s from 32 MB on (the bench's
    /// width-512 gradients spent 14 % of the step in one 32 MB call); 4 MB chunks keep every call on the fast side.
    /// </summary>
    public const int AllReduceChunkBytes = 4 << 20;

    public void AllReduceSum(Tensor buffer)
    {
        var (type, size) = buffer.dtype switch
        {
            ScalarType.Float32 => (_mpi.Float, 4),
            ScalarType.Float64 => (_mpi.Double, 8),
            _ => throw new ArgumentException($"all-reduce takes float32 or float64 buffers, not {buffer.dtype}", nameof(buffer)),
        };
        var data = Contiguous(buffer);
        int chunk = AllReduceChunkBytes / size;
        using var watched = _watchdog.Enter("MPI_Allreduce");
        for (long offset = 0; offset < buffer.numel(); offset += chunk)
        {
            int count = (int)Math.Min(chunk, buffer.numel() - offset);
            MpiLibrary.Check(_mpi.Allreduce(MpiLibrary.InPlace, data + (nint)(offset * size), count, type, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
        }
    }

    public void Broadcast(Tensor buffer, int root = 0)
    {
        var data = Contiguous(buffer);
        BroadcastBytes(data, buffer.numel() * buffer.ElementSize, root);
    }

    public byte[] Broadcast(byte[] bytes, int root = 0)
    {
        long length = bytes.LongLength;
        BroadcastBytes((nint)(&length), sizeof(long), root);
        var result = Rank == root ? bytes : new byte[length];
        fixed (byte* data = result)
            BroadcastBytes((nint)data, length, root);
        return result;
    }

    /// <summary>
    /// The watchdog's way out of a collective that never returns: the message, then MPI_Abort from the watchdog's
    /// thread (the training thread is blocked in the call); should the abort itself hang, the process kills itself
    /// after 30 s, which the launcher sees as a lost rank and ends the job all the same.
    /// </summary>
    private void EndStuckJob(string message)
    {
        Console.Error.WriteLine($"forge: {message}");
        new Thread(() =>
        {
            Thread.Sleep(TimeSpan.FromSeconds(30));
            Environment.FailFast($"forge: MPI_Abort did not end the job within 30 s after: {message}");
        }) { IsBackground = true }.Start();
        Abort(Errors.ExitCodes.Failed);
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode); // MPI_Abort does not return; this is for an implementation that does
    }

    public void Dispose()
    {
        if (_finalized)
            return;
        _finalized = true;
        _watchdog.Dispose();
        int finalized;
        if (_mpi.Finalized(&finalized) == 0 && finalized == 0)
            _mpi.Finalize();
    }

    private void BroadcastBytes(nint data, long length, int root)
    {
        using var watched = _watchdog.Enter("MPI_Bcast");
        for (long offset = 0; offset < length; offset += int.MaxValue)
        {
            int count = (int)Math.Min(int.MaxValue, length - offset);
            MpiLibrary.Check(_mpi.Bcast(data + (nint)offset, count, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
        }
    }

    private static nint Contiguous(Tensor buffer)
    {
        if (buffer.device_type != DeviceType.CPU || !buffer.is_contiguous())
            throw new ArgumentException("collectives take contiguous CPU tensors", nameof(buffer));
        return THSTensor_data(buffer.Handle);
    }

    /// <summary>The address of a tensor's first element (TorchSharp's own native library exports it).</summary>
    [DllImport("LibTorchSharp")]
    private static extern nint THSTensor_data(nint tensor);

    private static string LibraryVersion(MpiLibrary mpi)
    {
        var text = new byte[8192];
        int length;
        fixed (byte* p = text)
            if (mpi.GetLibraryVersion(p, &length) != 0)
                return "MPI";
        var version = Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length)).Split(',', '\n')[0].Trim();
        return version.Length > 0 ? version : "MPI";
    }
}
