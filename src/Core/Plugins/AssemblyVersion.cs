using System.Reflection;

namespace Forge.Core.Plugins;

/// <summary>An assembly's version as its build stamped it: the informational version (with any <c>+commit</c>), else the assembly version.</summary>
public static class AssemblyVersion
{
    public static string Of(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
