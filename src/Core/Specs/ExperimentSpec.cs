using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Forge.Core.Specs;

/// <summary>
/// What is trained: the part of a spec that decides the numbers of a run (the model, the data, the optimizer, the
/// parametrization, the precision policy, the training loop, the starting point, the seed and the callbacks). Two runs
/// are the same experiment when their identities are equal (<c>ExperimentIdentity</c>: every field here as bound, but
/// the callbacks that only watch), whatever their <see cref="RunSettings"/>; a resumed run must have the experiment it
/// was started with. Plugin sections (<c>model</c>, <c>data</c>,
/// <c>optimizer</c>, <c>parametrization</c>, <c>precision</c>, each callback) are objects with a <c>name</c> and that
/// plugin's own fields; they are bound once the plugin is known. The JSON has one top level: these fields and the run
/// settings' side by side.
/// </summary>
public sealed class ExperimentSpec
{
    [Description("Experiment name; runs go to runs/<name>/<timestamp>/.")]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]*$",
        ErrorMessage = "must start with a letter or digit and contain only letters, digits, '.', '_' and '-' (it names the run folder)")]
    public string Name { get; set; } = "experiment";

    [Description("Seed of every random stream (init, data order, held-out data).")]
    public long Seed { get; set; }

    [Description("Precision policy plugin: \"fp32\" (default), \"bf16\", \"fp8\", or { \"name\": ..., plugin fields }.")]
    public JsonNode? Precision { get; set; }

    [Description("Model plugin: { \"name\": ..., plugin fields }.")]
    public JsonObject? Model { get; set; }

    [Description("Dataset plugin: { \"name\": ..., plugin fields }.")]
    public JsonObject? Data { get; set; }

    [Description("Optimizer plugin: { \"name\": ..., plugin fields }.")]
    public JsonObject? Optimizer { get; set; }

    [Description("Parametrization plugin: { \"name\": ..., plugin fields }; default sp.")]
    public JsonObject? Parametrization { get; set; }

    [Description("Start from a trained checkpoint, optionally widened: { from, upscale, noise, optimizerState }.")]
    public InitOptions Init { get; set; } = new();

    [Description("The training loop.")]
    public TrainingOptions Training { get; set; } = new();

    [Description("Callback plugins, run in this order at every event of the training loop: [ { \"name\": \"ema\", \"decay\": 0.999 }, { \"name\": \"tensorboard\" } ].")]
    public JsonArray? Callbacks { get; set; }
}

/// <summary>Where tensors live.</summary>
public enum DeviceKind
{
    /// <summary>CUDA when this build and machine have it, CPU otherwise.</summary>
    Auto,
    Cpu,
    Cuda,
}

/// <summary>Whether a run joins an MPI job (data parallelism).</summary>
public enum DistributedMode
{
    /// <summary>Join the job when mpirun or srun started this process; train alone otherwise.</summary>
    Auto,
    /// <summary>Train alone, even under mpirun.</summary>
    None,
    /// <summary>Join the MPI job; an error when libmpi cannot be loaded.</summary>
    Mpi,
}

/// <summary>
/// How a run runs: the part of a spec that never changes its numbers (device and threads aside: results are
/// bit-reproducible for a fixed device and thread count) — resuming, exporting metrics, checkpointing, guarding against
/// divergence, loading third-party plugins and sweeping. The command line sets these directly (<c>--resume</c>,
/// <c>--metrics</c>, <c>--metrics-port</c>).
/// </summary>
public sealed class RunSettings
{
    [Description("auto (CUDA when available), cpu or cuda.")]
    public DeviceKind Device { get; set; } = DeviceKind.Auto;

    [Description("CPU threads for libtorch; 0 keeps libtorch's default, capped at the cores this process may use (container CPU limits, affinity). Results are bit-reproducible for a fixed thread count.")]
    [Range(0, 1024)]
    public int Threads { get; set; }

    [Description("Data parallelism across the processes of an MPI job: auto (join the job when mpirun or srun started this process, otherwise train alone), mpi (require the job: an error when libmpi cannot be loaded), or none (train alone even under mpirun).")]
    public DistributedMode Distributed { get; set; } = DistributedMode.Auto;

    [Description("Data parallelism: how long one collective call (an all-reduce, a broadcast) may wait for the other ranks, in seconds, before the rank ends the whole job with a message instead of waiting forever for a rank that is stuck, stopped or lost. Steps, evaluations and rank 0's checkpoints happen between collectives, so the limit must exceed the longest of them.")]
    [Range(1, 86400)]
    public int DistributedTimeoutSeconds { get; set; } = 600;

    [Description("OpenTelemetry metrics exporters (prometheus, otlp, console); metrics.jsonl in the run folder is always written.")]
    public MetricsOptions Metrics { get; set; } = new();

    [Description("Checkpoints: \"none\", or { enabled, interval, keepLast, permanentInterval }.")]
    public CheckpointOptions Checkpoint { get; set; } = new();

    [Description("auto: continue the newest unfinished run of this experiment that has a valid checkpoint (so re-running the same command resumes); never: always start afresh; or the path of a checkpoint or run folder to start from.")]
    public string Resume { get; set; } = "auto";

    [Description("End the run after this many updates, with a checkpoint (status paused, exit 0), though training.steps is larger: the learning-rate schedule still spans training.steps, and running the same command again (resume auto) continues the run, e.g. with a larger stopAfter. 0 = train to training.steps. What successive halving gives each rung.")]
    [Range(0, int.MaxValue)]
    public int StopAfter { get; set; }

    [Description("Divergence guard (NaN/Inf policy) and loss-spike detection.")]
    public GuardOptions Guard { get; set; } = new();

    [Description("Third-party plugin assemblies to load: paths of .dll files or build folders (relative to this spec), or { \"path\": ..., \"sha256\": ... } to pin the exact file.")]
    public JsonArray? Plugins { get; set; }

    [Description("Hyperparameter sweep over spec paths, used by forge sweep (forge run ignores it).")]
    public SweepOptions? Sweep { get; set; }
}
