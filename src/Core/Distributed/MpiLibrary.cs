using System.Runtime.InteropServices;

namespace Forge.Core.Distributed;

/// <summary>
/// Open MPI's C API, called through function pointers from <c>libmpi.so.40</c> (Debian's <c>libopenmpi3</c>). Open
/// MPI's predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, …) are the addresses of exported
/// objects (<c>ompi_mpi_comm_world</c>, …), and <c>MPI_IN_PLACE</c> is <c>(void*)1</c>. The library is opened with
/// RTLD_GLOBAL so that the components Open MPI loads itself find its symbols.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    /// <summary>The library to open: <c>FORGE_MPI_LIBRARY</c> when set (another MPI installation's libmpi), else Debian's.</summary>
    private static string[] Names =>
        Environment.GetEnvironmentVariable("FORGE_MPI_LIBRARY") is { Length: > 0 } path ? new[] { path } : new[] { "libmpi.so.40", "libmpi.so" };

    public readonly nint CommWorld, Float, Double, Byte, Sum;
    public readonly delegate* unmanaged<int*, nint, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int*, int> Initialized;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank;
    public readonly delegate* unmanaged<nint, int*, int> CommSize;
    public readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, int> Allreduce;
    public readonly delegate* unmanaged<nint, int, nint, int, nint, int> Bcast;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    public readonly delegate* unmanaged<byte*, int*, int> GetLibraryVersion;

    /// <summary>MPI_IN_PLACE in Open MPI.</summary>
    public static readonly nint InPlace = 1;

    private MpiLibrary(nint handle)
    {
        nint Export(string name) => NativeLibrary.GetExport(handle, name);
        CommWorld = Export("ompi_mpi_comm_world");
        Float = Export("ompi_mpi_float");
        Double = Export("ompi_mpi_double");
        Byte = Export("ompi_mpi_byte");
        Sum = Export("ompi_mpi_op_sum");
        InitThread = (delegate* unmanaged<int*, nint, int, int*, int>)Export("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        Bcast = (delegate* unmanaged<nint, int, nint, int, nint, int>)Export("MPI_Bcast");
        Abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        GetLibraryVersion = (delegate* unmanaged<byte*, int*, int>)Export("MPI_Get_library_version");
    }

    /// <summary>Opens libmpi, or says in <paramref name="error"/> why it cannot be opened.</summary>
    public static MpiLibrary? TryLoad(out string error)
    {
        var failures = new List<string>();
        foreach (var name in Names)
        {
            nint handle = dlopen(name, RtldNow | RtldGlobal);
            if (handle == 0)
            {
                failures.Add(Marshal.PtrToStringUTF8(dlerror()) ?? name);
                continue;
            }
            try
            {
                error = "";
                return new MpiLibrary(handle);
            }
            catch (EntryPointNotFoundException e)
            {
                failures.Add($"{name} is not Open MPI's library ({e.Message})");
            }
        }
        error = string.Join("; ", failures);
        return null;
    }

    /// <summary>Throws when an MPI call did not return MPI_SUCCESS.</summary>
    public static void Check(int code, string call)
    {
        if (code != 0)
            throw new InvalidOperationException($"{call} failed with MPI error code {code}");
    }

    private const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern nint dlopen(string file, int mode);

    [DllImport("libc")]
    private static extern nint dlerror();
}
