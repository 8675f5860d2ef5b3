using System.Text.Json.Nodes;
using Forge.Cli;

namespace Forge.Tests.Support;

/// <summary>Runs the forge command line in-process with captured output, as a user would from a shell.</summary>
public static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Task<Result> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    /// <summary>Runs the command line; cancelling <paramref name="cancellationToken"/> is Ctrl-C.</summary>
    public static async Task<Result> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = await new ForgeCli(TextWriter.Synchronized(output), TextWriter.Synchronized(error), interactiveConsole: false).InvokeAsync(args, cancellationToken);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Writes <paramref name="spec"/> into <paramref name="dir"/> and runs <c>forge run</c> on it with runs under the same directory.</summary>
    public static Task<Result> RunSpecAsync(TempDirectory dir, JsonObject spec, params string[] extra) => RunSpecAsync(dir, spec, CancellationToken.None, extra);

    /// <inheritdoc cref="RunSpecAsync(TempDirectory, JsonObject, string[])"/>
    public static Task<Result> RunSpecAsync(TempDirectory dir, JsonObject spec, CancellationToken cancellationToken, params string[] extra)
    {
        var path = dir.File("spec.json", spec.ToJsonString());
        return RunAsync(cancellationToken, new[] { "run", path, "--runs", Path.Combine(dir.Path, "runs"), "--plain" }.Concat(extra).ToArray());
    }

    /// <summary>The single run folder created under <paramref name="dir"/>/runs.</summary>
    public static string RunFolder(TempDirectory dir) =>
        Directory.GetDirectories(Path.Combine(dir.Path, "runs"), "*", SearchOption.AllDirectories)
            .Single(d => File.Exists(Path.Combine(d, "spec.json")));
}
