using Forge.Abstractions.Data;
using Forge.Abstractions.Parametrizations;
using TorchSharp;

namespace Forge.Abstractions.Models;

/// <summary>
/// A model plugin. It builds a module that maps a batch's inputs to predictions (see <see cref="TaskKind"/> for the
/// shapes). Every trainable tensor must come from <see cref="ModelBuildContext.Parameters"/> and be used with its
/// forward multiplier; the host refuses a model with a parameter the parametrization did not create.
/// </summary>
public interface IModelPlugin
{
    /// <summary>The width and depth the model will have for <paramref name="data"/>, known before it is built.</summary>
    ModelDimensions Dimensions(DataDescription data);

    /// <summary>Builds the model on the factory's device.</summary>
    torch.nn.Module<torch.Tensor, torch.Tensor> Build(ModelBuildContext context);
}
