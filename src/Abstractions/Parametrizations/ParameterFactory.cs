using Forge.Abstractions.Ops;
using Forge.Abstractions.Plugins;
using Forge.Abstractions.Precision;
using TorchSharp;
using TorchSharp.Modules;

namespace Forge.Abstractions.Parametrizations;

/// <summary>
/// The only way a model creates trainable tensors. Each call describes the tensor (role, fan-in, fan-out, which
/// of them scale with width), asks the parametrization for its scaling, initialises the tensor from the run's
/// seeded generator and records the decision so the host can build per-tensor optimizer groups and
/// <c>forge inspect</c> can show it. The host creates one factory per model build.
/// </summary>
public sealed class ParameterFactory
{
    private readonly List<ScaledParameter> _created = new();
    private readonly List<ScaledParameter> _tied = new();
    private readonly List<ArchitecturalScale> _scales = new();
    private readonly torch.Device _device;
    private readonly torch.Generator _generator;

    /// <summary>Creates a factory that asks <paramref name="parametrization"/> and draws initial values from <paramref name="generator"/> (a CPU generator).</summary>
    /// <param name="parametrization">The rule in force.</param>
    /// <param name="context">Model dimensions and optimizer family.</param>
    /// <param name="device">Where tensors are created.</param>
    /// <param name="generator">The seeded CPU generator for initial values.</param>
    /// <param name="precision">How linear layers compute their products; float32 when null.</param>
    public ParameterFactory(IParametrizationPlugin parametrization, ParametrizationContext context, torch.Device device, torch.Generator generator,
        IPrecisionPlugin? precision = null)
    {
        Precision = precision ?? FullPrecision.Instance;
        Parametrization = parametrization;
        Context = context;
        _device = device;
        _generator = generator;
        Ops = parametrization.CreateOps(context, Precision);
    }

    /// <summary>The ops the model computes with, chosen by the parametrization (plain, or unit-scaled under u-μP).</summary>
    public ModelOps Ops { get; }

    /// <summary>The rule in force.</summary>
    public IParametrizationPlugin Parametrization { get; }

    /// <summary>The precision policy layers compute their matmuls with.</summary>
    public IPrecisionPlugin Precision { get; }

    /// <summary>The model dimensions and optimizer family the rule sees.</summary>
    public ParametrizationContext Context { get; }

    /// <summary>Every tensor created so far, in creation order.</summary>
    public IReadOnlyList<ScaledParameter> Created => _created;

    /// <summary>Second uses of created tensors (tied weights), with the multiplier the rule gives that use.</summary>
    public IReadOnlyList<ScaledParameter> Tied => _tied;

    /// <summary>The attention and residual scales the model asked for, in order.</summary>
    public IReadOnlyList<ArchitecturalScale> Scales => _scales;

    /// <summary>
    /// Creates every tensor on libtorch's meta device, without memory or initial values: for a model built only to
    /// read its tensors' shapes (a base model, <see cref="IParametrizationPlugin.BaseModel"/>). Added in 1.2.
    /// </summary>
    public bool ShapesOnly { get; init; }

    /// <summary>A weight matrix stored (fan_out, fan_in).</summary>
    public ScaledParameter Weight(string name, ParameterRole role, Dimension fanOut, Dimension fanIn, ParameterTags tags = ParameterTags.None) =>
        Create(new ParameterDescriptor(name, role, new[] { fanOut.Size, fanIn.Size }, fanOut, fanIn) { Tags = tags });

    /// <summary>
    /// Uses an already created tensor a second time in another role (a readout tied to the token embedding). The
    /// tensor keeps the init and learning rate of its first role and appears once in the optimizer; the returned
    /// record carries the forward multiplier the rule gives the second use (muP: the readout's α_out/m on the logits).
    /// </summary>
    public ScaledParameter Tie(ScaledParameter source, ParameterDescriptor use)
    {
        if (!Ops.SupportsTiedWeights)
            throw new PluginException($"{use.Name} would reuse {source.Descriptor.Name}, but this parametrization's ops ({Ops.GetType().Name}) cannot tie tensors; untie them (for the gpt model: model.tieEmbeddings false).");
        if (!_created.Contains(source))
            throw new ArgumentException($"{source.Descriptor.Name} was not created by this factory.", nameof(source));
        var tied = new ScaledParameter(source.Value, use, Parametrization.Scale(use, Context));
        _tied.Add(tied);
        return tied;
    }

    /// <summary>The factor the model applies to attention logits q·k in <paramref name="name"/> (recorded for <c>forge inspect</c>).</summary>
    public double AttentionScale(string name, int headDimension) =>
        Record(name, "attention logit scale", Parametrization.AttentionLogitScale(headDimension, Context));

    /// <summary>The multiplier of residual branch <paramref name="block"/> in <paramref name="name"/> (recorded for <c>forge inspect</c>).</summary>
    public double ResidualMultiplier(string name, int block) =>
        Record(name, Ops.ResidualScaleName, Parametrization.ResidualBranchMultiplier(block, Context));

    /// <summary>
    /// Marks every tensor created until the returned scope is disposed as part of residual block
    /// <paramref name="index"/> (<see cref="ParameterDescriptor.Block"/>), for depth rules.
    /// </summary>
    public IDisposable Block(int index)
    {
        var previous = _block;
        _block = index;
        return new BlockScope(this, previous);
    }

    private int? _block;

    private sealed class BlockScope(ParameterFactory factory, int? previous) : IDisposable
    {
        public void Dispose() => factory._block = previous;
    }

    private double Record(string name, string kind, double value)
    {
        _scales.Add(new ArchitecturalScale(name, kind, value));
        return value;
    }

    /// <summary>A bias vector of length <paramref name="size"/> for a layer whose fan-in is <paramref name="layerFanIn"/>.</summary>
    public ScaledParameter Bias(string name, Dimension size, Dimension layerFanIn) =>
        Create(new ParameterDescriptor(name, ParameterRole.Bias, new[] { size.Size }, size, Dimension.Fixed(1)) { LayerFanIn = layerFanIn });

    /// <summary>A norm gain (<see cref="ParameterRole.NormGain"/>) or norm bias (<see cref="ParameterRole.NormBias"/>) of length <paramref name="size"/>.</summary>
    public ScaledParameter NormParameter(string name, ParameterRole role, Dimension size)
    {
        if (role is not (ParameterRole.NormGain or ParameterRole.NormBias))
            throw new ArgumentException($"NormParameter takes NormGain or NormBias, not {role}.", nameof(role));
        return Create(new ParameterDescriptor(name, role, new[] { size.Size }, size, Dimension.Fixed(1)));
    }

    /// <summary>Creates a tensor from a full descriptor (for shapes the helpers above do not cover, e.g. convolution kernels).</summary>
    public ScaledParameter Create(ParameterDescriptor descriptor)
    {
        if (_block is not null && descriptor.Block is null)
            descriptor = descriptor with { Block = _block };
        var scaling = Parametrization.Scale(descriptor, Context);
        using var noGrad = torch.no_grad();
        if (ShapesOnly)
        {
            var shape = new ScaledParameter(new Parameter(torch.empty(descriptor.Shape, dtype: torch.float32, device: new torch.Device(DeviceType.META)), requires_grad: true), descriptor, scaling);
            _created.Add(shape);
            return shape;
        }
        using var values = Initialise(descriptor.Shape, scaling.Init);
        var parameter = new Parameter(values.to(_device), requires_grad: true);
        var created = new ScaledParameter(parameter, descriptor, scaling);
        _created.Add(created);
        return created;
    }

    private torch.Tensor Initialise(long[] shape, Initialization init)
    {
        var tensor = torch.empty(shape, dtype: torch.float32);
        return init.Kind switch
        {
            InitializationKind.Normal => tensor.normal_(0.0, init.Scale, _generator),
            InitializationKind.Uniform => tensor.uniform_(-init.Scale, init.Scale, _generator),
            InitializationKind.Constant => tensor.fill_(init.Scale),
            _ => throw new ArgumentOutOfRangeException(nameof(init), init.Kind, "Unknown initialization kind."),
        };
    }
}
