using System.Reflection;
using System.Text.Json.Nodes;
using Forge.Abstractions.Callbacks;
using Forge.Abstractions.Data;
using Forge.Abstractions.Models;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;
using Forge.Core.Errors;
using Forge.Core.Plugins;
using Forge.Core.Specs;

namespace Forge.Core.Composition;

/// <summary>
/// Composes a run from a resolved spec: creates each plugin through DI with its bound options, builds the model
/// through a <see cref="ParameterFactory"/> so the parametrization decides every tensor, groups tensors by their
/// learning-rate / weight-decay / ε factors and creates the optimizer over those groups.
/// </summary>
public sealed class ExperimentBuilder(IServiceProvider services, ILogger<ExperimentBuilder> logger, IStartingPoints? startingPoints = null)
{
    /// <summary>Builds the experiment of <paramref name="spec"/>; with <paramref name="dataset"/>, on that dataset instead of the spec's (which is then not created).</summary>
    public Experiment Build(ResolvedSpec spec, RunEnvironment environment, IDatasetPlugin? dataset = null)
    {
        torch.manual_seed(spec.Experiment.Seed);
        dataset ??= Create<IDatasetPlugin>(spec.Data, environment);
        var optimizerPlugin = Create<IOptimizerPlugin>(spec.Optimizer, environment);
        var parametrization = Create<IParametrizationPlugin>(spec.Parametrization, environment);
        var modelPlugin = Create<IModelPlugin>(spec.Model, environment);
        var precision = Create<Forge.Abstractions.Precision.IPrecisionPlugin>(spec.Precision, environment);

        var data = dataset.Description;
        if (data.TrainingExamples is { } examples && examples < spec.Experiment.Training.BatchSize)
        {
            (dataset as IDisposable)?.Dispose();
            throw new RunSetupException(
                $"data: the {spec.Data.Plugin.Name} dataset{(spec.Document["data"]?["path"] is JsonValue path ? $" at {path}" : "")} has {examples:N0} training example(s) " +
                $"(after data.validationFraction and data.trainFraction), fewer than one batch of training.batchSize = {spec.Experiment.Training.BatchSize}; " +
                "raise data.trainFraction, or lower training.batchSize.");
        }
        var dimensions = Call(spec.Model, () => modelPlugin.Dimensions(data));
        var context = new ParametrizationContext(dimensions, optimizerPlugin.Kind, optimizerPlugin.LearningRate)
        {
            WeightDecay = optimizerPlugin.WeightDecay,
            WeightDecayMode = optimizerPlugin.WeightDecayMode,
        };
        if (BaseModel(spec, parametrization, data, context, environment, precision) is { } baseModel)
            context = context with { BaseModel = baseModel };
        using var initGenerator = new torch.Generator((ulong)spec.Experiment.Seed);
        var factory = new ParameterFactory(parametrization, context, environment.Device, initGenerator, precision);
        var model = Call(spec.Model, () => modelPlugin.Build(new ModelBuildContext(data, factory)));
        model.train();

        IReadOnlyList<ScaledParameter> parameters = WithoutDecayOutside(spec.Experiment.Training.WeightDecayRoles, CheckParameters(spec.Model, model, factory.Created));
        using var start = spec.Experiment.Init.From is null ? null
            : (startingPoints ?? throw new InvalidOperationException("init.from needs an IStartingPoints service")).Prepare(spec, parameters, factory.Tied);
        if (start is not null)
        {
            try
            {
                // The checkpoint's own spec has its own folder and seed: its relative paths resolve from there.
                parameters = start.Adjust(new StartingModel(spec, model, parameters, factory.Ops, dataset),
                    other => Build(other, environment with { Seed = other.Experiment.Seed, SpecDirectory = other.SpecDirectory }));
            }
            catch
            {
                model.Dispose();
                (dataset as IDisposable)?.Dispose();
                throw;
            }
        }
        var groups = parameters
            .GroupBy(p => (p.Scaling.LearningRateFactor, p.Scaling.WeightDecayFactor, p.Scaling.EpsilonFactor))
            .Select(g => new ParameterGroup(g.Select(p => p.Value).ToList(), g.Key.LearningRateFactor, g.Key.WeightDecayFactor, g.Key.EpsilonFactor)
            {
                Descriptors = g.Select(p => p.Descriptor).ToList(),
                Scalings = g.Select(p => p.Scaling).ToList(),
            })
            .ToList();
        var optimizer = Call(spec.Optimizer, () => optimizerPlugin.Create(groups));
        logger.LogInformation("Built {Model} with {Count} tensors in {Groups} optimizer groups on {Device}",
            spec.Model.Plugin.Name, parameters.Count, groups.Count, environment.Device);

        var experiment = new Experiment
        {
            Spec = spec,
            Environment = environment,
            Dataset = dataset,
            OptimizerPlugin = optimizerPlugin,
            Parametrization = parametrization,
            Precision = precision,
            Ops = factory.Ops,
            Model = model,
            Parameters = parameters,
            Reductions = Call(spec.Parametrization, () => parameters.Select(p => parametrization.Reduction(p.Descriptor, context)).ToList()),
            Optimizer = optimizer,
            TiedUses = factory.Tied,
            Scales = factory.Scales,
            Callbacks = spec.Callbacks.Select(c => Create<ITrainingCallback>(c, environment)).ToList(),
        };
        if (start is not null)
        {
            try
            {
                start.Apply(experiment);
            }
            catch
            {
                experiment.Dispose();
                throw;
            }
        }
        return experiment;
    }

    /// <summary>
    /// The tensors of the base model the parametrization measures widths against (<see cref="IParametrizationPlugin.BaseModel"/>:
    /// the spec's model section with the rule's overrides), built on the meta device so that no weight is allocated;
    /// null when the rule asks for none.
    /// </summary>
    private IReadOnlyDictionary<string, ParameterDescriptor>? BaseModel(ResolvedSpec spec, IParametrizationPlugin parametrization, DataDescription data,
        ParametrizationContext context, RunEnvironment environment, Forge.Abstractions.Precision.IPrecisionPlugin precision)
    {
        if (parametrization.BaseModel is not { } overrides)
            return null;
        var document = SpecSections.WithoutStartAndSweep(spec.Document);
        if (document["model"] is not JsonObject model)
            throw new RunSetupException("parametrization.base: the spec's model section must be an object for a base model to override its fields.");
        foreach (var (field, value) in overrides)
            model[field] = value?.DeepClone();
        ResolvedSpec baseSpec;
        try
        {
            baseSpec = new SpecLoader(services.GetRequiredService<PluginCatalog>()).Resolve(document, spec.SpecPath, Array.Empty<string>());
        }
        catch (SpecException e)
        {
            throw new RunSetupException($"parametrization.base gives a base model that does not resolve: {e.Message} Give only fields of the model section (e.g. {{ \"width\": 64, \"headDim\": 16 }}).", e);
        }
        var plugin = Create<IModelPlugin>(baseSpec.Model, environment);
        var dimensions = Call(baseSpec.Model, () => plugin.Dimensions(data));
        using var generator = new torch.Generator(0); // draws nothing: the factory only records shapes
        var factory = new ParameterFactory(parametrization, context with { Model = dimensions }, environment.Device, generator, precision) { ShapesOnly = true };
        using var module = Call(baseSpec.Model, () => plugin.Build(new ModelBuildContext(data, factory)));
        return factory.Created.ToDictionary(p => p.Descriptor.Name, p => p.Descriptor);
    }

    /// <summary>
    /// Creates the selected plugin through DI with its bound options and <paramref name="environment"/> (this spec's
    /// seed, device and folder, which may not be the host's: the checkpoint a widened run starts from has its own).
    /// </summary>
    /// <summary>The spec's dataset alone, with its bound options.</summary>
    public IDatasetPlugin CreateDataset(ResolvedSpec spec, RunEnvironment environment) => Create<IDatasetPlugin>(spec.Data, environment);

    private T Create<T>(PluginSelection selection, RunEnvironment environment) where T : class
    {
        bool takesEnvironment = selection.Plugin.Type.GetConstructors().Any(c => c.GetParameters().Any(p => p.ParameterType.IsAssignableFrom(typeof(RunEnvironment))));
        var arguments = new[] { selection.Options, takesEnvironment ? environment : null }.OfType<object>().ToArray();
        return Call(selection, () => (T)ActivatorUtilities.CreateInstance(services, selection.Plugin.Type, arguments));
    }

    private static T Call<T>(PluginSelection selection, Func<T> action)
    {
        var plugin = selection.Plugin;
        try
        {
            return action();
        }
        catch (Exception e) when (Unwrap(e) is PluginException user)
        {
            throw new RunSetupException(user.Message, user);
        }
        catch (Exception e) when (e is not RunSetupException and not PluginFaultException)
        {
            var inner = Unwrap(e);
            throw new PluginFaultException(
                $"The {plugin.Family.Noun} plugin '{plugin.Name}' ({plugin.Type.FullName} in {plugin.Source}) failed: {inner.GetType().Name}: {inner.Message}", inner);
        }
    }

    private static Exception Unwrap(Exception e) => e is TargetInvocationException { InnerException: { } inner } ? Unwrap(inner) : e;

    /// <summary>Zeroes the weight-decay factor of tensors whose role is not in <c>training.weightDecayRoles</c>.</summary>
    private static List<ScaledParameter> WithoutDecayOutside(IReadOnlyCollection<ParameterRole> roles, IReadOnlyList<ScaledParameter> parameters) =>
        parameters.Select(p => roles.Contains(p.Descriptor.Role) ? p : p with { Scaling = p.Scaling with { WeightDecayFactor = 0 } }).ToList();

    /// <summary>
    /// The factory's tensors in the module's order, each once (a tied weight is trained once). Every parameter of the
    /// module must have been created through the factory, under the name the module registers it by (its path in
    /// <c>named_parameters</c>, e.g. <c>blocks.0.attention.query.weight</c>): that one name is what checkpoints,
    /// <c>forge inspect</c>, diagnostics and precision statistics call it.
    /// </summary>
    private static List<ScaledParameter> CheckParameters(PluginSelection model, torch.nn.Module module, IReadOnlyList<ScaledParameter> created)
    {
        var byHandle = created.ToDictionary(p => p.Value.Handle);
        var ordered = new List<ScaledParameter>();
        var seen = new HashSet<IntPtr>();
        var misnamed = new List<string>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (!seen.Add(parameter.Handle))
                continue; // tied weights: train each tensor once
            if (!byHandle.TryGetValue(parameter.Handle, out var scaled))
                throw new PluginFaultException($"The model plugin '{model.Plugin.Name}' has a parameter '{name}' that was not created through the parametrization (ParameterFactory); every trainable tensor must be, so that its init and learning rate follow the rule.");
            if (scaled.Descriptor.Name != name)
                misnamed.Add($"'{scaled.Descriptor.Name}' is registered as '{name}'");
            ordered.Add(scaled);
        }
        if (misnamed.Count > 0)
            throw new PluginFaultException($"The model plugin '{model.Plugin.Name}' names tensors differently from where it registers them: {string.Join("; ", misnamed.Take(6))}. Give each layer the name it is registered under (its path in the module, e.g. blocks.0.attention.query), so that every tensor has one name.");
        var unused = created.Where(p => !seen.Contains(p.Value.Handle)).Select(p => p.Descriptor.Name).ToList();
        if (unused.Count > 0)
            throw new PluginFaultException($"The model plugin '{model.Plugin.Name}' created {string.Join(", ", unused)} through the parametrization but did not register them in the module, so they would never train.");
        return ordered;
    }
}
