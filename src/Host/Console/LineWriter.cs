using System.Text;

namespace Forge.Host.Console;

/// <summary>
/// A <see cref="TextWriter"/> that hands each complete line to a callback (a partial last line on flush or dispose).
/// Writes from several threads (a command and a logger's background thread) are serialised.
/// </summary>
internal sealed class LineWriter(Action<string> onLine) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_line)
        {
            if (value == '\n')
                Emit();
            else if (value != '\r')
                _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_line)
            foreach (char c in value ?? "")
                Write(c);
    }

    public override void Flush()
    {
        lock (_line)
            if (_line.Length > 0)
                Emit();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            Flush();
        base.Dispose(disposing);
    }

    private void Emit()
    {
        var line = _line.ToString();
        _line.Clear();
        onLine(line);
    }
}
