using Forge.Core.Plugins;
using Microsoft.Extensions.Logging;

namespace Forge.Core.Runs;

/// <summary>Where and how one run is started (not part of its spec).</summary>
/// <param name="RunsRoot">The folder run folders are created in (<c>--runs</c>; runs/NAME/TIME).</param>
/// <param name="RunFolder">Use exactly this run folder (a sweep trial's), instead of a new one under <paramref name="RunsRoot"/>.</param>
/// <param name="Logging">Where the run's logs go (the command line: the console; a sweep worker: the trial's log).</param>
/// <param name="Catalog">The built-in plugins (null: the ones beside Forge.Core).</param>
public sealed record RunOptions(string RunsRoot, string? RunFolder = null, Action<ILoggingBuilder>? Logging = null, PluginCatalog? Catalog = null);
