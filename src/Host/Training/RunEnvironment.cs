using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Host.Training;

/// <summary>The run facts plugins may take in their constructors.</summary>
internal sealed record RunEnvironment(long Seed, torch.Device Device, string SpecDirectory) : IRunEnvironment;
