using Forge.Abstractions.Plugins;
using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>The run facts plugins may take in their constructors.</summary>
public sealed record RunEnvironment(long Seed, torch.Device Device, string SpecDirectory) : IRunEnvironment;
