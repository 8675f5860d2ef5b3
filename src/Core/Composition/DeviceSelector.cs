using TorchSharp;
using Forge.Core.Errors;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>Turns the spec's <c>device</c> into a torch device, or explains why it cannot.</summary>
public static class DeviceSelector
{
    public static torch.Device Select(DeviceKind kind, string specPath) => kind switch
    {
        DeviceKind.Cpu => torch.CPU,
        DeviceKind.Auto => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
        DeviceKind.Cuda when torch.cuda.is_available() => torch.CUDA,
        DeviceKind.Cuda => throw new SpecException(specPath, new SpecProblem("device",
            "\"cuda\" was asked for, but this build or machine has no CUDA device. Use \"auto\" or \"cpu\", or build Forge with -p:TorchBackend=cuda on a machine with an NVIDIA GPU.")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
