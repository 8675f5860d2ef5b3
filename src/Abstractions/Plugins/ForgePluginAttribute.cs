namespace Forge.Abstractions.Plugins;

/// <summary>
/// Marks a class as a Forge plugin with the name a spec uses to select it (<c>"name": "mlp"</c>). The family is
/// given by the contract the class implements: <see cref="Models.IModelPlugin"/>, <see cref="Data.IDatasetPlugin"/>,
/// <see cref="Optimizers.IOptimizerPlugin"/>, <see cref="Parametrizations.IParametrizationPlugin"/>,
/// <see cref="Precision.IPrecisionPlugin"/> or <see cref="Callbacks.ITrainingCallback"/>.
/// Built-in and third-party plugins are discovered the same way: by scanning assemblies for this attribute.
/// Use <see cref="ForgePluginAttribute{TOptions}"/> when the plugin takes options from its spec section.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public class ForgePluginAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The plugin's name within its family: lower case, letters, digits and dashes.</param>
    public ForgePluginAttribute(string name) => Name = name;

    /// <summary>The name a spec uses to select this plugin.</summary>
    public string Name { get; }

    /// <summary>A one-line description shown by <c>forge plugins</c>.</summary>
    public string Description { get; init; } = "";

    /// <summary>The type the plugin's spec section binds to, or null when the plugin has no options.</summary>
    public virtual Type? OptionsType => null;
}

/// <summary>
/// Marks a class as a Forge plugin whose spec section (every field except <c>name</c>) binds to
/// <typeparamref name="TOptions"/>. The host validates the section (unknown fields, types and
/// <see cref="System.ComponentModel.DataAnnotations"/> ranges), then injects the bound options into the plugin's constructor.
/// </summary>
/// <typeparam name="TOptions">A class with a public parameterless constructor and settable properties.</typeparam>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ForgePluginAttribute<TOptions> : ForgePluginAttribute where TOptions : class, new()
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The plugin's name within its family.</param>
    public ForgePluginAttribute(string name) : base(name) { }

    /// <inheritdoc />
    public override Type OptionsType => typeof(TOptions);
}
