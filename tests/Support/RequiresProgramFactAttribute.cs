namespace Forge.Tests.Support;

/// <summary>A fact that is skipped, saying why, when <see cref="Program"/> is not on PATH (CI installs it: .ci/run).</summary>
public sealed class RequiresProgramFactAttribute : FactAttribute
{
    public RequiresProgramFactAttribute(string program)
    {
        Program = program;
        if (Locate(program) is null)
            Skip = $"'{program}' is not on PATH; .ci/run installs it (apt-get install {program}) when it runs as root.";
    }

    public string Program { get; }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? Locate(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
