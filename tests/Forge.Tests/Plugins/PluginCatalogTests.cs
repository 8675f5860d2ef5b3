using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using Forge.Plugins.Optimizers;
using Forge.Core.Plugins;
using Forge.Core.Errors;
using Forge.Core.Composition;
using Forge.Core.Specs;
using System.Text.Json.Nodes;

namespace Forge.Tests.Plugins;

[ForgePlugin<FakeOptions>("fake", Description = "a test double")]
public sealed class FakeParametrization(FakeOptions options) : IParametrizationPlugin
{
    public FakeOptions Options => options;
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context) => new(Initialization.Zeros);
}

public sealed class FakeOptions
{
    public double Gain { get; set; } = 1;
}

[ForgePlugin("fake")]
public sealed class SecondFake : IParametrizationPlugin
{
    public ParameterScaling Scale(ParameterDescriptor parameter, ParametrizationContext context) => new(Initialization.Ones);
}

[ForgePlugin("contractless")]
public sealed class NotAPlugin;

public class PluginCatalogTests
{
    [Fact]
    public void The_built_in_plugins_are_found_by_scanning_the_plugin_assemblies_beside_the_host()
    {
        var catalog = PluginCatalog.BuiltIn();

        Assert.Equal(new[] { "gpt", "mlp", "vit" }, catalog.Family(PluginFamily.Model).Select(p => p.Name));
        Assert.Equal(new[] { "images", "synthetic", "text", "tokens" }, catalog.Family(PluginFamily.Dataset).Select(p => p.Name));
        Assert.Equal(new[] { "adamw", "lion", "muon", "sgd" }, catalog.Family(PluginFamily.Optimizer).Select(p => p.Name));
        Assert.Equal(new[] { "abc", "mup", "sp", "spectral", "umup" }, catalog.Family(PluginFamily.Parametrization).Select(p => p.Name));
        Assert.Equal(new[] { "bf16", "fp32", "fp8" }, catalog.Family(PluginFamily.Precision).Select(p => p.Name));
        Assert.Equal(new[] { "ema", "tensorboard" }, catalog.Family(PluginFamily.Callback).Select(p => p.Name));
        var adamw = catalog.Find(PluginFamily.Optimizer, "adamw")!;
        Assert.Equal(typeof(AdamWOptions), adamw.OptionsType);
        Assert.Equal("Forge.Plugins.Optimizers.dll", Path.GetFileName(adamw.Source));
        Assert.Null(catalog.Find(PluginFamily.Model, "adamw")); // names are per family
    }

    [Fact]
    public void Every_plugins_schema_and_listing_name_exactly_the_fields_its_spec_section_accepts()
    {
        // a get-only property (gpt's ResolvedHeads, computed from heads and headDim) is serialized but cannot be set
        foreach (var plugin in PluginCatalog.BuiltIn().All.Where(p => p.OptionsType is not null))
        {
            var schemaFields = ((JsonObject)SpecSchema.OptionsSchema(plugin.OptionsType!)["properties"]!).Select(p => p.Key).Order();
            Assert.Equal(OptionsBinder.FieldNames(plugin.OptionsType!).Order(), schemaFields);
        }
        Assert.DoesNotContain("resolvedHeads", OptionsBinder.FieldNames(typeof(Forge.Plugins.Models.Gpt.GptOptions)));
    }

    [Fact]
    public void Any_marked_type_implementing_a_contract_is_a_plugin_with_its_options_type()
    {
        var catalog = new PluginCatalog(new[] { typeof(FakeParametrization), typeof(FakeOptions), typeof(PluginCatalogTests) });

        var fake = Assert.Single(catalog.All);
        Assert.Equal(PluginFamily.Parametrization, fake.Family);
        Assert.Equal("fake", fake.Name);
        Assert.Equal(typeof(FakeOptions), fake.OptionsType);
        Assert.Equal("a test double", fake.Description);
    }

    [Fact]
    public void Two_plugins_with_one_name_in_a_family_are_an_error_naming_both()
    {
        var e = Assert.Throws<PluginCatalogException>(() => new PluginCatalog(new[] { typeof(FakeParametrization), typeof(SecondFake) }));

        var problem = Assert.Single(e.Problems);
        Assert.Contains("two parametrization plugins are named 'fake'", problem);
        Assert.Contains(typeof(FakeParametrization).FullName!, problem);
        Assert.Contains(typeof(SecondFake).FullName!, problem);
    }

    [Fact]
    public void A_marked_type_without_a_plugin_contract_is_an_error()
    {
        var e = Assert.Throws<PluginCatalogException>(() => new PluginCatalog(new[] { typeof(NotAPlugin) }));

        Assert.Contains("must implement exactly one of IModelPlugin, IDatasetPlugin, IOptimizerPlugin, IParametrizationPlugin, IPrecisionPlugin", Assert.Single(e.Problems));
    }
}
