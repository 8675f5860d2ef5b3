using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Data;
using Forge.Abstractions.Models;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Precision;

namespace Forge.Core.Plugins;

/// <summary>The six plugin families, each with the spec section that selects it and the contract it implements.</summary>
public sealed record PluginFamily(string Section, string Noun, Type Contract)
{
    public static readonly PluginFamily Model = new("model", "model", typeof(IModelPlugin));
    public static readonly PluginFamily Dataset = new("data", "dataset", typeof(IDatasetPlugin));
    public static readonly PluginFamily Optimizer = new("optimizer", "optimizer", typeof(IOptimizerPlugin));
    public static readonly PluginFamily Parametrization = new("parametrization", "parametrization", typeof(IParametrizationPlugin));

    public static readonly PluginFamily Precision = new("precision", "precision", typeof(IPrecisionPlugin));

    /// <summary>The spec's <c>callbacks</c>: a list, each entry selecting one plugin.</summary>
    public static readonly PluginFamily Callback = new("callbacks", "callback", typeof(ITrainingCallback));

    public static IReadOnlyList<PluginFamily> All { get; } = new[] { Model, Dataset, Optimizer, Parametrization, Precision, Callback };

    public override string ToString() => Noun;
}
