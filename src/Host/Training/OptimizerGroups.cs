using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Host.Training;

/// <summary>What the host can read from a TorchSharp optimizer's parameter groups.</summary>
internal static class OptimizerGroups
{
    /// <summary>The tensors of one group (none when the optimizer's group type does not expose them).</summary>
    public static IEnumerable<Parameter> ParametersOf(torch.optim.ILearningRateController group) =>
        (group as ParamGroup)?.Parameters ?? Enumerable.Empty<Parameter>();
}
