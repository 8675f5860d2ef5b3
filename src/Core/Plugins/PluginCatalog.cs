using System.Reflection;
using System.Runtime.Loader;
using Forge.Abstractions.Plugins;
using Forge.Core.Errors;

namespace Forge.Core.Plugins;

/// <summary>
/// Every plugin Forge can use, found by scanning assemblies for classes marked <see cref="ForgePluginAttribute"/>
/// that implement a family contract. Built-in plugins are found exactly like third-party ones: the host scans
/// the <c>Forge.Plugins.*.dll</c> files beside it, and the assemblies the user names (<see cref="ExternalPlugins"/>),
/// and never names a plugin type in code. Two plugins of one family may share a name only if they come from different
/// assemblies; a spec then selects one by its qualified name, <c>&lt;assembly&gt;/&lt;name&gt;</c>.
/// </summary>
public sealed class PluginCatalog
{
    private readonly List<PluginDescriptor> _plugins = new();

    public PluginCatalog(IEnumerable<Assembly> assemblies)
        : this(assemblies.Distinct().SelectMany(a => a.GetExportedTypes()))
    {
    }

    /// <summary>A catalog of the plugins among <paramref name="types"/>; other types are ignored.</summary>
    public PluginCatalog(IEnumerable<Type> types)
    {
        var problems = new List<string>();
        foreach (var type in types)
        {
            var attribute = type.GetCustomAttribute<ForgePluginAttribute>(inherit: false);
            if (attribute is null)
                continue;
            var families = PluginFamily.All.Where(f => f.Contract.IsAssignableFrom(type)).ToList();
            if (type.IsAbstract || families.Count != 1)
            {
                problems.Add($"{type.FullName} in {type.Assembly.Location} is marked [ForgePlugin(\"{attribute.Name}\")] but " +
                             (type.IsAbstract ? "is abstract." : $"implements {families.Count} plugin contracts; it must implement exactly one of IModelPlugin, IDatasetPlugin, IOptimizerPlugin, IParametrizationPlugin, IPrecisionPlugin, ITrainingCallback."));
                continue;
            }
            var descriptor = new PluginDescriptor(families[0], attribute.Name, type, attribute.OptionsType, attribute.Description);
            if (_plugins.FirstOrDefault(p => p.Family == descriptor.Family && p.Name == descriptor.Name && p.Type.Assembly == type.Assembly) is { } existing)
            {
                problems.Add($"two {descriptor.Family} plugins are named '{descriptor.Name}': {existing.Type.FullName} from {existing.Source} and {type.FullName} from {descriptor.Source}. Rename one of them.");
                continue;
            }
            _plugins.Add(descriptor);
        }
        if (problems.Count > 0)
            throw new PluginCatalogException(problems);
    }

    /// <summary>A catalog of the built-in plugin assemblies (<c>Forge.Plugins.*.dll</c>) in <paramref name="directory"/>.</summary>
    public static PluginCatalog FromDirectory(string directory)
    {
        var assemblies = Directory.EnumerateFiles(directory, "Forge.Plugins.*.dll")
            .Order(StringComparer.Ordinal)
            .Select(path => AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.GetFullPath(path)));
        return new PluginCatalog(assemblies);
    }

    /// <summary>The built-in plugins shipped beside the host.</summary>
    public static PluginCatalog BuiltIn() => BuiltInCatalog.Value;

    private static readonly Lazy<PluginCatalog> BuiltInCatalog = new(() => FromDirectory(AppContext.BaseDirectory));

    /// <summary>This catalog plus the plugins in <paramref name="assemblies"/> (third-party ones, already loaded).</summary>
    public PluginCatalog With(IEnumerable<Assembly> assemblies)
    {
        var added = assemblies.Where(a => _plugins.All(p => p.Type.Assembly != a)).ToList();
        return added.Count == 0 ? this : new PluginCatalog(_plugins.Select(p => p.Type).Concat(added.SelectMany(a => a.GetExportedTypes())));
    }

    public IEnumerable<PluginDescriptor> All => _plugins.OrderBy(p => p.Family.Section).ThenBy(p => p.Name).ThenBy(p => p.AssemblyName);

    public IEnumerable<PluginDescriptor> Family(PluginFamily family) => All.Where(p => p.Family == family);

    /// <summary>
    /// The plugins a spec's name selects: by plain name (more than one when assemblies clash), or by the qualified
    /// <c>&lt;assembly&gt;/&lt;name&gt;</c>.
    /// </summary>
    public IReadOnlyList<PluginDescriptor> Matching(PluginFamily family, string name)
    {
        int slash = name.LastIndexOf('/');
        return slash < 0
            ? Family(family).Where(p => p.Name == name).ToList()
            : Family(family).Where(p => p.Name == name[(slash + 1)..] && p.AssemblyName == name[..slash]).ToList();
    }

    /// <summary>The one plugin <paramref name="name"/> selects, or null when none or several do.</summary>
    public PluginDescriptor? Find(PluginFamily family, string name) => Matching(family, name) is [var only] ? only : null;
}
