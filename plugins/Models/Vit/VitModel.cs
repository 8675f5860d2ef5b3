using Forge.Abstractions.Data;
using Forge.Abstractions.Layers;
using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using Forge.Plugins.Models.Gpt;
using Forge.Plugins.Models.Gpt.Positions;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Vit;

/// <summary>
/// <c>vit</c>: a vision transformer (Dosovitskiy et al. 2021) for an image classification dataset. The image is cut
/// into square patches of <c>patchSize</c> pixels; each patch's pixels go through one linear map (the patch
/// embedding, role input: its fan-in, patch²·channels, stays put as the width grows), a learned class token is
/// prepended (or the patches are averaged at the end), learned or 2-D sinusoidal positions are added, and
/// <c>depth</c> pre-norm blocks follow: <c>gpt</c>'s own block, its attention bidirectional. A final norm and a
/// readout to the classes (role output) end it. Every tensor and op comes from the parametrization, as in
/// <c>gpt</c>, so it runs under sp, mup, spectral, abc and umup alike.
/// </summary>
[ForgePlugin<VitOptions>("vit", Description = "Vision transformer (patch embedding and gpt's block, attending both ways)")]
public sealed class VitModel(VitOptions options) : IModelPlugin
{
    /// <inheritdoc />
    public ModelDimensions Dimensions(DataDescription data) => new(options.Width, options.Depth);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> Build(ModelBuildContext context)
    {
        var data = context.Data;
        if (data.Task != TaskKind.Classification || data.Image is not { } image)
            throw new PluginException("model.name is \"vit\", which classifies images (a dataset such as \"images\"); use \"mlp\" or \"gpt\" for this dataset.");
        if (image.Height % options.PatchSize != 0 || image.Width % options.PatchSize != 0)
            throw new PluginException($"model.patchSize {options.PatchSize} does not divide the {image.Height}×{image.Width} images; choose a divisor of both (e.g. {Divisor(image.Height, image.Width)}).");
        return new VitNetwork(options, context.Parameters, image, data.Outputs);
    }

    private static int Divisor(int height, int width) => Enumerable.Range(2, Math.Min(height, width)).Where(d => height % d == 0 && width % d == 0).DefaultIfEmpty(1).First();
}

/// <summary>The module <see cref="VitModel"/> builds.</summary>
internal sealed class VitNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ImageShape _image;
    private readonly int _patch, _rows, _columns;
    private readonly ScaledLinear _patches;
    private readonly ScaledEmbedding? _cls;
    private readonly ScaledEmbedding? _positions;
    private readonly Tensor? _sinusoidal; // (tokens, width), no parameters
    private readonly TorchSharp.Modules.ModuleList<GptBlock> _blocks = new();
    private readonly nn.Module<Tensor, Tensor> _norm;
    private readonly ScaledLinear _readout;
    private readonly ModelOps _ops;
    private readonly double _dropout;

    public VitNetwork(VitOptions options, ParameterFactory factory, ImageShape image, int classes) : base("vit")
    {
        var width = Dimension.Width(options.Width);
        var block = options.Block;
        _ops = factory.Ops;
        _image = image;
        _patch = options.PatchSize;
        (_rows, _columns) = (image.Height / _patch, image.Width / _patch);
        _dropout = options.EmbeddingDropout;
        _patches = new ScaledLinear(factory, "patch_embedding", ParameterRole.Input, Dimension.Fixed((long)image.Channels * _patch * _patch), width, options.Bias);
        if (options.Pooling == VitPooling.Cls)
            _cls = new ScaledEmbedding(factory, "embedding_cls", 1, width);
        int tokens = _rows * _columns + (_cls is null ? 0 : 1);
        if (options.Positions == VitPositions.Learned)
            _positions = new ScaledEmbedding(factory, "embedding_positions", tokens, width);
        else if (options.Positions == VitPositions.Sinusoidal)
            _sinusoidal = Sinusoidal2D(_rows, _columns, options.Width, _cls is not null).DetachFromDisposeScope();
        for (int i = 0; i < options.Depth; i++)
            using (factory.Block(i))
                _blocks.Add(new GptBlock(block, factory, $"blocks.{i}", i, causal: false));
        _norm = GptNorm.Create(block, factory, "norm");
        _readout = new ScaledLinear(factory, "readout", ParameterRole.Output, width, Dimension.Fixed(classes), options.Bias);

        register_module("patch_embedding", _patches);
        if (_cls is not null)
            register_module("embedding_cls", _cls);
        if (_positions is not null)
            register_module("embedding_positions", _positions);
        register_module("blocks", _blocks);
        register_module("norm", _norm);
        register_module("readout", _readout);
    }

    public override Tensor forward(Tensor pixels)
    {
        // pixels (batch, channels·height·width) → patches (batch, rows·columns, channels·patch²) → x (batch, tokens, width) → logits (batch, classes)
        long batch = pixels.shape[0];
        var patches = pixels.view(batch, _image.Channels, _image.Height, _image.Width)
            .unfold(2, _patch, _patch).unfold(3, _patch, _patch) // (batch, channels, rows, columns, patch, patch)
            .permute(0, 2, 3, 1, 4, 5).reshape(batch, (long)_rows * _columns, (long)_image.Channels * _patch * _patch);
        var x = _patches.call(patches);
        if (_cls is not null)
            x = cat(new[] { _cls.call(zeros(batch, 1, dtype: ScalarType.Int64, device: pixels.device)), x }, 1);
        if (_positions is not null)
            x = _ops.Add(x, _positions.call(arange(x.shape[1], device: pixels.device)));
        else if (_sinusoidal is not null)
            x = _ops.Add(x, _sinusoidal.to(x.dtype, x.device));
        x = _ops.Dropout(x, _dropout, training);
        foreach (var block in _blocks)
            x = block.call(x);
        x = _norm.call(x);
        return _readout.call(_cls is not null ? x.select(1, 0) : x.mean(new long[] { 1 }));
    }

    /// <summary>2-D sinusoidal positions (tokens, width): the first half of the width encodes a patch's row, the second its column (unit RMS); a class token first gets zeros.</summary>
    private static Tensor Sinusoidal2D(int rows, int columns, int width, bool cls)
    {
        using var scope = NewDisposeScope();
        int half = width / 2;
        var byRow = SinusoidalPositions.Table(0, rows, half, CPU, ScalarType.Float32).unsqueeze(1).expand(rows, columns, half);
        var byColumn = SinusoidalPositions.Table(0, columns, width - half, CPU, ScalarType.Float32).unsqueeze(0).expand(rows, columns, width - half);
        var table = cat(new[] { byRow, byColumn }, 2).reshape((long)rows * columns, width);
        if (cls)
            table = cat(new[] { zeros(1, width), table }, 0);
        return table.MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _sinusoidal?.Dispose();
        base.Dispose(disposing);
    }
}
