using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Forge.Core.Native;

/// <summary>
/// Makes sure TorchSharp's native wrapper can load before the first tensor op. On a machine whose libstdc++ lacks
/// GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04) it patches the copies of <c>libLibTorchSharp.so</c> that sit next to
/// the application (never the NuGet cache) with <see cref="GlibcxxCompatibilityPatch"/>. On any other machine it
/// does nothing. Runs once per process, from the module initializer, before any TorchSharp type is touched.
/// </summary>
public static class TorchNativeSetup
{
    private const string WrapperFileName = "libLibTorchSharp.so";
    private static readonly object Gate = new();
    private static bool _done;

    private static List<string> _notes = new();

    /// <summary>Returns (once) the messages describing what the setup did; empty when nothing was needed.</summary>
    public static IReadOnlyList<string> TakeNotes()
    {
        lock (Gate)
        {
            var notes = _notes;
            _notes = new List<string>();
            return notes;
        }
    }

#pragma warning disable CA2255 // The module initializer is the one place that runs before any TorchSharp static constructor.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize() => EnsureLoadable(AppContext.BaseDirectory);

    /// <summary>Patches the wrapper copies under <paramref name="applicationDirectory"/> when this machine needs it.</summary>
    public static void EnsureLoadable(string applicationDirectory)
    {
        lock (Gate)
        {
            if (_done)
                return;
            _done = true;
            if (!OperatingSystem.IsLinux() || SystemLibStdCxxHasRequiredVersion())
                return;

            var notes = new List<string>();
            foreach (var path in WrapperCopies(applicationDirectory))
            {
                try
                {
                    if (GlibcxxCompatibilityPatch.ApplyToFile(path) == PatchOutcome.Patched)
                        notes.Add($"Patched {path} so that it loads with this machine's libstdc++ (no {GlibcxxCompatibilityPatch.RequiredVersion}).");
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    notes.Add($"Could not patch {path} for this machine's libstdc++ ({e.Message}); TorchSharp will fail to load. " +
                              "Make the file writable, or install a libstdc++ that provides GLIBCXX_3.4.32 (GCC 13 or newer).");
                }
            }
            _notes = notes;
        }
    }

    /// <summary>The copies of the wrapper shipped with the application (flat layout and runtimes/&lt;rid&gt;/native layout).</summary>
    public static IEnumerable<string> WrapperCopies(string applicationDirectory)
    {
        var flat = Path.Combine(applicationDirectory, WrapperFileName);
        if (File.Exists(flat))
            yield return flat;
        var runtimes = Path.Combine(applicationDirectory, "runtimes");
        if (Directory.Exists(runtimes))
            foreach (var path in Directory.EnumerateFiles(runtimes, WrapperFileName, SearchOption.AllDirectories))
                yield return path;
    }

    /// <summary>True when the process's libstdc++ exports the symbol with the version the wrapper was built against.</summary>
    public static bool SystemLibStdCxxHasRequiredVersion()
    {
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out var handle))
            return false;
        return dlvsym(handle, GlibcxxCompatibilityPatch.OffendingSymbol, GlibcxxCompatibilityPatch.RequiredVersion) != IntPtr.Zero;
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);
}
