using Forge.Abstractions.Data;
using Forge.Abstractions.Models;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;

namespace Forge.Host.Plugins;

/// <summary>The four plugin families, each with the spec section that selects it and the contract it implements.</summary>
internal sealed record PluginFamily(string Section, string Noun, Type Contract)
{
    public static readonly PluginFamily Model = new("model", "model", typeof(IModelPlugin));
    public static readonly PluginFamily Dataset = new("data", "dataset", typeof(IDatasetPlugin));
    public static readonly PluginFamily Optimizer = new("optimizer", "optimizer", typeof(IOptimizerPlugin));
    public static readonly PluginFamily Parametrization = new("parametrization", "parametrization", typeof(IParametrizationPlugin));

    public static readonly PluginFamily Precision = new("precision", "precision", typeof(IPrecisionPlugin));

    public static IReadOnlyList<PluginFamily> All { get; } = new[] { Model, Dataset, Optimizer, Parametrization, Precision };

    public override string ToString() => Noun;
}
