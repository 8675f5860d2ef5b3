namespace Forge.Core.Plugins;

/// <summary>
/// Plugin paths named outside the spec: <c>forge ... --plugins DIR</c> (for the current command) and the
/// <c>FORGE_PLUGIN_PATH</c> environment variable (paths separated by ':' on Unix, ';' on Windows). Forge loads only
/// what is named here or in the spec's <c>plugins</c> list.
/// </summary>
public static class PluginSearchPath
{
    public const string EnvironmentVariable = "FORGE_PLUGIN_PATH";

    private static readonly AsyncLocal<IReadOnlyList<string>?> CommandLinePaths = new();

    /// <summary>Sets the <c>--plugins</c> paths for the command running in this async flow.</summary>
    public static void UseCommandLine(IReadOnlyList<string> paths) => CommandLinePaths.Value = paths;

    /// <summary>The <c>--plugins</c> paths of the current command (sweep workers get them too).</summary>
    public static IReadOnlyList<string> CommandLine => CommandLinePaths.Value ?? Array.Empty<string>();

    /// <summary>Every path named on the command line and in the environment, in that order.</summary>
    public static IReadOnlyList<PluginReference> References()
    {
        var references = new List<PluginReference>();
        foreach (var path in CommandLinePaths.Value ?? Array.Empty<string>())
            references.Add(new PluginReference(System.IO.Path.GetFullPath(path), null, "--plugins"));
        var environment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(environment))
            foreach (var path in environment.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                references.Add(new PluginReference(System.IO.Path.GetFullPath(path), null, EnvironmentVariable));
        return references;
    }
}
