using TorchSharp;

namespace Forge.Core.Composition;

/// <summary>
/// Settings a run needs before any plugin is created: the device, the MPI job it joins (if any) and libtorch's thread
/// count (set on this thread; <see cref="RunEnvironment.UseThreads"/>). Ranks on one machine share its cores: each
/// gets its share unless the spec sets <c>threads</c>.
/// </summary>
public static class ProcessSetup
{
    /// <summary>libtorch's thread count before Forge changed it (a process may prepare several runs: tests, the benchmark, a sweep worker).</summary>
    private static readonly Lazy<int> LibtorchThreads = new(torch.get_num_threads);

    public static RunEnvironment Prepare(ResolvedSpec spec)
    {
        var device = DeviceSelector.Select(spec.Settings.Device, spec.SpecPath);
        var collective = Forge.Core.Distributed.Collectives.Join(spec.Settings.Distributed, spec.Settings.DistributedTimeoutSeconds);
        int cores = Math.Max(1, Environment.ProcessorCount / collective.LocalSize);
        var environment = new RunEnvironment(spec.Experiment.Seed, device, spec.SpecDirectory,
            ThreadCount.For(spec.Settings.Threads, LibtorchThreads.Value, cores))
        {
            Collective = collective,
        };
        int parts = collective.Size * spec.Experiment.Training.MicroBatches;
        if (spec.Experiment.Training.BatchSize % parts != 0)
            throw new Forge.Core.Errors.RunSetupException(
                $"training.batchSize {spec.Experiment.Training.BatchSize} does not split into {collective.Size} ranks × {spec.Experiment.Training.MicroBatches} micro-batches; choose a batchSize that is a multiple of {parts} (it is the global batch: every rank trains batchSize / ranks of it).");
        if (spec.Settings.StopAfter > 0 && spec.Settings.StopAfter < spec.Experiment.Training.Steps && !spec.Settings.Checkpoint.Enabled)
            throw new Forge.Core.Errors.RunSetupException(
                $"stopAfter {spec.Settings.StopAfter} pauses the run with a checkpoint to continue from, but checkpoints are off (\"checkpoint\": \"none\"); enable them, or remove stopAfter to train all {spec.Experiment.Training.Steps} steps.");
        environment.UseThreads();
        return environment;
    }
}
