using Forge.Abstractions.Data;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Datasets;

/// <summary>
/// <c>synthetic</c>: teacher–student data. A fixed random two-layer teacher, <c>y = W₂ tanh(W₁ x / √f) / √h</c> with
/// standard Gaussian W₁, W₂ drawn from the dataset seed, labels Gaussian inputs x ~ N(0, I). Regression targets are
/// y (+ noise); classification targets are argmax y. The teacher and the held-out set depend only on the seed;
/// training inputs come from the host's generator, so runs are reproducible and resumable.
/// </summary>
[ForgePlugin<SyntheticOptions>("synthetic", Description = "Seeded teacher-student regression or classification")]
public sealed class SyntheticDataset : IDatasetPlugin, IDisposable
{
    private const long EvaluationSeedOffset = 0x5EED_0E0A;
    private readonly SyntheticOptions _options;
    private readonly Device _device;
    private readonly long _seed;
    private readonly Tensor _w1;
    private readonly Tensor _w2;

    public SyntheticDataset(SyntheticOptions options, IRunEnvironment environment)
    {
        if (options.Task == SyntheticTask.Classification && options.Outputs < 2)
            throw new PluginException($"data.outputs is {options.Outputs}, but classification needs at least 2 classes; set data.outputs to 2 or more.");
        _options = options;
        _device = environment.Device;
        _seed = options.Seed ?? environment.Seed;
        using var teacher = new Generator((ulong)_seed);
        _w1 = randn(new long[] { options.TeacherWidth, options.Features }, generator: teacher).DetachFromDisposeScope();
        _w2 = randn(new long[] { options.Outputs, options.TeacherWidth }, generator: teacher).DetachFromDisposeScope();
        Description = new DataDescription(
            options.Task == SyntheticTask.Regression ? TaskKind.Regression : TaskKind.Classification,
            InputFeatures: options.Features, VocabularySize: 0, Outputs: options.Outputs, SequenceLength: 0);
    }

    /// <inheritdoc />
    public DataDescription Description { get; }

    /// <inheritdoc />
    public Batch NextTrainingBatch(int batchSize, Generator generator) => Sample(batchSize, generator);

    /// <inheritdoc />
    public IEnumerable<Batch> EvaluationBatches(int batchSize, int count)
    {
        using var generator = new Generator((ulong)(_seed + EvaluationSeedOffset));
        for (int i = 0; i < count; i++)
            yield return Sample(batchSize, generator);
    }

    private Batch Sample(int batchSize, Generator generator)
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { batchSize, _options.Features }, generator: generator);
        var y = nn.functional.linear(nn.functional.linear(x, _w1).div(Math.Sqrt(_options.Features)).tanh(), _w2)
            .div(Math.Sqrt(_options.TeacherWidth));
        Tensor targets;
        if (_options.Task == SyntheticTask.Classification)
            targets = y.argmax(1);
        else if (_options.Noise > 0)
            targets = y + randn(y.shape, generator: generator) * _options.Noise;
        else
            targets = y;
        return new Batch(x.to(_device).MoveToOuterDisposeScope(), targets.to(_device).MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _w1.Dispose();
        _w2.Dispose();
    }
}
