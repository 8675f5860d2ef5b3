using System.Reflection;
using System.Runtime.Loader;
using Forge.Abstractions.Plugins;

namespace Forge.Host.Plugins;

/// <summary>
/// Every plugin Forge can use, found by scanning assemblies for classes marked <see cref="ForgePluginAttribute"/>
/// that implement a family contract. Built-in plugins are found exactly like third-party ones: the host scans
/// the <c>Forge.Plugins.*.dll</c> files beside it and never names a plugin type in code.
/// </summary>
internal sealed class PluginCatalog
{
    private readonly Dictionary<(PluginFamily, string), PluginDescriptor> _plugins = new();

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
                             (type.IsAbstract ? "is abstract." : $"implements {families.Count} plugin contracts; it must implement exactly one of IModelPlugin, IDatasetPlugin, IOptimizerPlugin, IParametrizationPlugin, IPrecisionPlugin."));
                continue;
            }
            var descriptor = new PluginDescriptor(families[0], attribute.Name, type, attribute.OptionsType, attribute.Description);
            if (_plugins.TryGetValue((descriptor.Family, descriptor.Name), out var existing))
            {
                problems.Add($"two {descriptor.Family} plugins are named '{descriptor.Name}': {existing.Type.FullName} from {existing.Source} and {type.FullName} from {descriptor.Source}. Rename one of them.");
                continue;
            }
            _plugins.Add((descriptor.Family, descriptor.Name), descriptor);
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
    public static PluginCatalog BuiltIn() => FromDirectory(AppContext.BaseDirectory);

    public IEnumerable<PluginDescriptor> All => _plugins.Values.OrderBy(p => p.Family.Section).ThenBy(p => p.Name);

    public IEnumerable<PluginDescriptor> Family(PluginFamily family) => All.Where(p => p.Family == family);

    public PluginDescriptor? Find(PluginFamily family, string name) => _plugins.GetValueOrDefault((family, name));
}

/// <summary>The plugins found cannot form a catalog (duplicate names, a marked class with no contract).</summary>
internal sealed class PluginCatalogException(IReadOnlyList<string> problems)
    : Exception("Plugin discovery failed:" + string.Concat(problems.Select(p => $"{Environment.NewLine}  - {p}")))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
