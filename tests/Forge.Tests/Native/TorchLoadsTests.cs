using TorchSharp;
using Forge.Core.Native;

namespace Forge.Tests.Native;

public class TorchLoadsTests
{
    [Fact]
    public void A_tensor_op_runs_and_gives_the_right_numbers()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = torch.tensor(new float[] { 5, 6, 7, 8 }).reshape(2, 2);
        using var c = a.matmul(b);

        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }

    [Fact]
    public void The_wrapper_next_to_the_app_is_loadable_on_this_machine()
    {
        var copies = TorchNativeSetup.WrapperCopies(AppContext.BaseDirectory).ToList();
        Assert.NotEmpty(copies);
        if (TorchNativeSetup.SystemLibStdCxxHasRequiredVersion())
            return; // a new enough libstdc++: nothing to patch, and nothing was.
        foreach (var copy in copies)
            Assert.Equal(PatchOutcome.NothingToDo, GlibcxxCompatibilityPatch.Apply(File.ReadAllBytes(copy)));
    }
}
