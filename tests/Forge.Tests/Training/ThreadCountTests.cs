using Forge.Core.Composition;

namespace Forge.Tests.Training;

public class ThreadCountTests
{
    [Theory]
    [InlineData(0, 16, 2, 2)] // libtorch counts the host's 16 cores; a container limit leaves 2
    [InlineData(0, 2, 16, 2)] // libtorch's choice (physical cores) below the logical ones is kept
    [InlineData(3, 16, 2, 3)] // the spec's count wins
    [InlineData(0, 0, 0, 1)]
    public void Unset_threads_are_libtorchs_default_capped_at_the_usable_cores(int requested, int libtorchDefault, int usable, int expected) =>
        Assert.Equal(expected, ThreadCount.For(requested, libtorchDefault, usable));
}
