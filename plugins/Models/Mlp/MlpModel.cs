using Forge.Abstractions.Data;
using Forge.Abstractions.Layers;
using Forge.Abstractions.Models;
using Forge.Abstractions.Ops;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Mlp;

/// <summary>
/// <c>mlp</c>: a multilayer perceptron. Dense inputs go through an input layer (features → width, activation);
/// token inputs through an embedding (vocabulary → width), applied per position, which makes a bigram language
/// model on text. Then <c>depth</c> hidden layers (width → width, activation) and a readout (width → outputs).
/// Every tensor is created through the parametrization.
/// </summary>
[ForgePlugin<MlpOptions>("mlp", Description = "Multilayer perceptron (dense features, or tokens per position)")]
public sealed class MlpModel(MlpOptions options) : IModelPlugin
{
    /// <inheritdoc />
    public ModelDimensions Dimensions(DataDescription data) => new(options.Width, options.Depth);

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> Build(ModelBuildContext context) => new MlpNetwork(options, context);
}

/// <summary>The module <see cref="MlpModel"/> builds.</summary>
internal sealed class MlpNetwork : nn.Module<Tensor, Tensor>
{
    private readonly Activation _activation;
    private readonly ModelOps _ops;
    private readonly bool _activateInput;
    private readonly nn.Module<Tensor, Tensor> _input;
    private readonly TorchSharp.Modules.ModuleList<nn.Module<Tensor, Tensor>> _hidden = new();
    private readonly nn.Module<Tensor, Tensor> _readout;

    public MlpNetwork(MlpOptions options, ModelBuildContext context) : base("mlp")
    {
        var factory = context.Parameters;
        var data = context.Data;
        var width = Dimension.Width(options.Width);
        _activation = options.Activation;
        _ops = factory.Ops;
        if (data.HasTokenInputs)
        {
            _input = new ScaledEmbedding(factory, "input", data.VocabularySize, width);
            _activateInput = false;
        }
        else
        {
            _input = new ScaledLinear(factory, "input", ParameterRole.Input, Dimension.Fixed(data.InputFeatures), width, options.Bias);
            _activateInput = true;
        }
        for (int i = 0; i < options.Depth; i++)
            _hidden.Add(new ScaledLinear(factory, $"hidden.{i}", ParameterRole.Hidden, width, width, options.Bias));
        _readout = new ScaledLinear(factory, "readout", ParameterRole.Output, width, Dimension.Fixed(data.Outputs), options.Bias);
        register_module("input", _input);
        register_module("hidden", _hidden);
        register_module("readout", _readout);
    }

    public override Tensor forward(Tensor input)
    {
        var x = _input.call(input);
        if (_activateInput)
            x = _ops.Activate(x, _activation);
        foreach (var layer in _hidden)
            x = _ops.Activate(layer.call(x), _activation);
        return _readout.call(x);
    }
}
