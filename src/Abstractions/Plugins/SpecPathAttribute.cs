namespace Forge.Abstractions.Plugins;

/// <summary>
/// Marks an option that names a file or folder. A relative value is taken from the spec's folder
/// (<see cref="IRunEnvironment.ResolvePath"/>), so when Forge writes a spec into another folder (<c>forge upscale
/// --output</c>, <c>forge transfer --output</c>) it rewrites the value to point at the same file from there. Mark
/// every path option of a plugin with it.
/// </summary>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false, Inherited = true)]
public sealed class SpecPathAttribute : Attribute
{
}
