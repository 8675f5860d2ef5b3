using Forge.Abstractions.Data;
using Forge.Abstractions.Parametrizations;

namespace Forge.Abstractions.Models;

/// <summary>What a model plugin gets to build a model.</summary>
/// <param name="Data">The shapes of the dataset the model must fit.</param>
/// <param name="Parameters">The factory through which every trainable tensor must be created.</param>
public sealed record ModelBuildContext(DataDescription Data, ParameterFactory Parameters);
