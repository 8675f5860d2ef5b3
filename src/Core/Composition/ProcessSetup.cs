using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>Settings a run needs before any plugin is created: the device and libtorch's thread count (set on this thread; <see cref="RunEnvironment.UseThreads"/>).</summary>
public static class ProcessSetup
{
    /// <summary>libtorch's thread count before Forge changed it (a process may prepare several runs: tests, the benchmark, a sweep worker).</summary>
    private static readonly Lazy<int> LibtorchThreads = new(torch.get_num_threads);

    public static RunEnvironment Prepare(ResolvedSpec spec)
    {
        var device = DeviceSelector.Select(spec.Settings.Device, spec.SpecPath);
        var environment = new RunEnvironment(spec.Experiment.Seed, device, spec.SpecDirectory,
            ThreadCount.For(spec.Settings.Threads, LibtorchThreads.Value, Environment.ProcessorCount));
        environment.UseThreads();
        return environment;
    }
}
