using System.Diagnostics;
using System.Globalization;
using Forge.Core.Corpora;

namespace Forge.Cli.Rendering;

/// <summary>
/// <c>forge prepare</c>'s progress: percent of the corpus encoded, MB/s of text and tokens/s, rewritten in place on a
/// live terminal (at most 4 times a second) or written as a plain line every 10 s otherwise (CI, redirected output).
/// </summary>
internal sealed class PrepareProgressLine(TextWriter writer, bool live)
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private bool _written;

    public void Report(PrepareProgress p)
    {
        bool finished = p.Characters >= p.TotalCharacters;
        if (!finished && _sinceLast.Elapsed < (live ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10)))
            return;
        _sinceLast.Restart();
        double seconds = Math.Max(p.Elapsed.TotalSeconds, 1e-9);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"encoding {100.0 * p.Characters / Math.Max(1, p.TotalCharacters),5:F1}%  {p.Bytes / 1e6 / seconds,7:F1} MB/s  {p.Tokens / seconds,12:N0} tokens/s  {p.Tokens,14:N0} tokens");
        if (live)
        {
            writer.Write("\r" + line + (finished ? "\n" : ""));
            _written = !finished;
        }
        else if (!finished)
            writer.WriteLine(line);
        writer.Flush();
    }

    /// <summary>Ends a line left open on a live terminal (when encoding stopped early).</summary>
    public void Close()
    {
        if (_written)
            writer.WriteLine();
    }
}
