using System.Reflection;

namespace Forge.Host.Plugins;

/// <summary>An assembly's version as its build stamped it: the informational version (with any <c>+commit</c>), else the assembly version.</summary>
internal static class AssemblyVersion
{
    public static string Of(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
