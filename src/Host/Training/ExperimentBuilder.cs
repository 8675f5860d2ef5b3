using System.Reflection;
using Forge.Abstractions.Data;
using Forge.Abstractions.Models;
using Forge.Abstractions.Optimizers;
using Forge.Abstractions.Parametrizations;
using Forge.Abstractions.Plugins;
using Forge.Host.Specs;
using Forge.Host.Upscaling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Forge.Host.Training;

/// <summary>
/// Composes a run from a resolved spec: creates each plugin through DI with its bound options, builds the model
/// through a <see cref="ParameterFactory"/> so the parametrization decides every tensor, groups tensors by their
/// learning-rate / weight-decay / ε factors and creates the optimizer over those groups.
/// </summary>
internal sealed class ExperimentBuilder(IServiceProvider services, ILogger<ExperimentBuilder> logger)
{
    private const ulong DataStream = 0x9E37_79B9_7F4A_7C15;

    public Experiment Build(ResolvedSpec spec, RunEnvironment environment)
    {
        torch.manual_seed(spec.Spec.Seed);
        var dataset = Create<IDatasetPlugin>(spec.Data);
        var optimizerPlugin = Create<IOptimizerPlugin>(spec.Optimizer);
        var parametrization = Create<IParametrizationPlugin>(spec.Parametrization);
        var modelPlugin = Create<IModelPlugin>(spec.Model);
        var precision = Create<Forge.Abstractions.Precision.IPrecisionPlugin>(spec.Precision);

        var data = dataset.Description;
        var dimensions = Call(spec.Model, () => modelPlugin.Dimensions(data));
        var context = new ParametrizationContext(dimensions, optimizerPlugin.Kind, optimizerPlugin.LearningRate);
        using var initGenerator = new torch.Generator((ulong)spec.Spec.Seed);
        var factory = new ParameterFactory(parametrization, context, environment.Device, initGenerator, precision);
        var model = Call(spec.Model, () => modelPlugin.Build(new ModelBuildContext(data, factory)));
        model.train();

        var parameters = WithoutDecayOutside(spec.Spec.Training.WeightDecayRoles, MatchParameters(spec.Model, model, factory.Created));
        using var warmStart = spec.Spec.Init.From is null ? null : WarmStart.Prepare(spec, parameters, factory.Tied);
        if (warmStart is not null)
            parameters = warmStart.ScaleEpsilon(parameters);
        var groups = parameters
            .GroupBy(p => (p.Scaling.LearningRateFactor, p.Scaling.WeightDecayFactor, p.Scaling.EpsilonFactor))
            .Select(g => new ParameterGroup(g.Select(p => p.Value).ToList(), g.Key.LearningRateFactor, g.Key.WeightDecayFactor, g.Key.EpsilonFactor)
            {
                Descriptors = g.Select(p => p.Descriptor).ToList(),
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
            Optimizer = optimizer,
            TiedUses = factory.Tied,
            Scales = factory.Scales,
        };
        if (warmStart is not null)
            StartFrom(warmStart, experiment, environment);
        return experiment;
    }

    /// <summary>Puts <c>init.from</c>'s checkpoint, widened, into <paramref name="experiment"/>, checked against the checkpoint's own model.</summary>
    private void StartFrom(WarmStart warmStart, Experiment experiment, RunEnvironment environment)
    {
        try
        {
            ResolvedSpec narrowSpec;
            try
            {
                var specPath = warmStart.Source.Sidecar.SpecPath ?? experiment.Spec.SpecPath;
                narrowSpec = new SpecLoader(services.GetRequiredService<Plugins.PluginCatalog>()).Resolve(warmStart.NarrowDocument(), specPath, Array.Empty<string>());
            }
            catch (SpecException e)
            {
                throw new RunSetupException($"init.from: the spec recorded in {warmStart.Source.Folder} no longer resolves: {e.Message}", e);
            }
            using (var narrow = Build(narrowSpec, environment))
                warmStart.Apply(experiment, narrow);
            experiment.StartedFrom = new WarmStartReport(warmStart.Source.Folder, warmStart.Source.Sidecar.Step, warmStart.Options.Upscale,
                warmStart.Plan.Values.Count(w => w.Widened), warmStart.Plan.Count, warmStart.FunctionMismatch, warmStart.Options.Noise, warmStart.Options.OptimizerState);
            logger.LogInformation("Init: {Report}", experiment.StartedFrom.Describe());
        }
        catch
        {
            experiment.Dispose();
            throw;
        }
    }

    /// <summary>A CPU generator for the training data stream, distinct from the init stream of the same seed.</summary>
    public static torch.Generator DataGenerator(long seed) => new((ulong)seed ^ DataStream);

    private T Create<T>(PluginSelection selection) where T : class
    {
        var arguments = selection.Options is null ? Array.Empty<object>() : new[] { selection.Options };
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
    private static List<ScaledParameter> WithoutDecayOutside(IReadOnlyCollection<ParameterRole> roles, List<ScaledParameter> parameters) =>
        parameters.Select(p => roles.Contains(p.Descriptor.Role) ? p : p with { Scaling = p.Scaling with { WeightDecayFactor = 0 } }).ToList();

    /// <summary>Pairs each model parameter with the factory's record, refusing tensors the parametrization did not create.</summary>
    private static List<ScaledParameter> MatchParameters(PluginSelection model, torch.nn.Module module, IReadOnlyList<ScaledParameter> created)
    {
        var byHandle = created.ToDictionary(p => p.Value.Handle);
        var matched = new List<ScaledParameter>();
        var seen = new HashSet<IntPtr>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (!seen.Add(parameter.Handle))
                continue; // tied weights: train each tensor once
            if (!byHandle.TryGetValue(parameter.Handle, out var scaled))
                throw new PluginFaultException($"The model plugin '{model.Plugin.Name}' has a parameter '{name}' that was not created through the parametrization (ParameterFactory); every trainable tensor must be, so that its init and learning rate follow the rule.");
            matched.Add(scaled with { Descriptor = scaled.Descriptor with { Name = name } });
        }
        var unused = created.Where(p => !seen.Contains(p.Value.Handle)).Select(p => p.Descriptor.Name).ToList();
        if (unused.Count > 0)
            throw new PluginFaultException($"The model plugin '{model.Plugin.Name}' created {string.Join(", ", unused)} through the parametrization but did not register them in the module, so they would never train.");
        return matched;
    }
}
