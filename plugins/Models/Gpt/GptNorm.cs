using Forge.Abstractions.Layers;
using Forge.Abstractions.Parametrizations;
using static TorchSharp.torch;

namespace Forge.Plugins.Models.Gpt;

/// <summary>The norm <c>gpt</c>'s options choose: LayerNorm (with a bias when <c>bias</c>) or RMSNorm (never a bias).</summary>
internal static class GptNorm
{
    public static nn.Module<Tensor, Tensor> Create(GptOptions options, ParameterFactory factory, string name) =>
        options.Norm == NormKind.Rms
            ? new ScaledRmsNorm(factory, name, Dimension.Width(options.Width))
            : new ScaledLayerNorm(factory, name, Dimension.Width(options.Width), options.Bias);
}
