using System.Runtime.CompilerServices;
using Forge.Core.Native;

// Training tests measure determinism and live-tensor counts, and libtorch's thread pool is process-wide:
// run test classes one at a time (the CI machine has 2 cores anyway).
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Forge.Tests.Support;

internal static class TestSetup
{
    /// <summary>Makes TorchSharp loadable in the test process exactly as the host does, before any test touches torch.</summary>
    [ModuleInitializer]
    internal static void Initialize() => TorchNativeSetup.EnsureLoadable(AppContext.BaseDirectory);
}
